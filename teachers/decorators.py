from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from schools.models import Teacher


def teacher_required(view):
    """Only a logged-in teacher (of any role) gets in; ``request.teacher`` is their membership.
    Anonymous visitors go to the teacher login; pupils and parents get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        teacher = Teacher.objects.for_user(request.user)
        if teacher is None or not request.user.is_active:
            raise PermissionDenied
        request.teacher = teacher
        return view(request, *args, **kwargs)

    return wrapper
