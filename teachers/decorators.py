from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from basispoort.middleware import SESSION_LIMITS_KEY
from schools.models import STAFF_SCHOOL_SESSION_KEY, Teacher

from .second_step import has_app


def _to(name, next_url):
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


def staff_membership(request, *, second_step=True, next_url=None):
    """The membership ``request`` works as on the staff pages, or the response that says why
    not. Anonymous visitors go to the staff login; someone whose every membership has ended
    (end date passed, no longer in the import) is logged out there, unless they are also a
    parent; pupils and parents get 403; a member of two schools picks one first; a role that
    needs a second step goes to it (or to setting one up) before anything else."""
    user, next_url = request.user, next_url or request.get_full_path()
    if not user.is_authenticated:
        return None, redirect_to_login(next_url)
    memberships = None
    if user.kind == user.Kind.ADULT:
        memberships = list(Teacher.objects.current().filter(user=user).select_related("school"))
    if not memberships:
        if user.kind == user.Kind.ADULT and user.school_roles.exists() and not user.guardian_links.exists():
            logout(request)
            messages.info(request, _("U heeft geen toegang meer tot een school. Vraag de "
                                     "ICT-coördinator van uw school als dat niet klopt."))
            return None, redirect_to_login(next_url)
        raise PermissionDenied
    if request.session.get(SESSION_LIMITS_KEY) != "staff":
        request.session[SESSION_LIMITS_KEY] = "staff"  # came in at the parents' door
    if request.session.get(STAFF_SCHOOL_SESSION_KEY) is None and len(memberships) > 1:
        return None, _to("teachers:choose_school", next_url)
    request.staff_schools = len(memberships)  # the header offers "Andere school" for two or more
    teacher = Teacher.objects.chosen(request, memberships)
    if second_step and not teacher.second_step_done(request):
        name = "teachers:second_step" if has_app(user) else "teachers:second_step_setup"
        return None, _to(name, next_url)
    return teacher, None


def teacher_required(view=None, *, may="view", second_step=True):
    """Only a staff member whose role allows ``may`` (schools.Teacher.PERMISSIONS) gets in;
    ``request.teacher`` is their membership at the school they work at now. Without the
    permission: 403. See staff_membership for everyone else."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            teacher, response = staff_membership(request, second_step=second_step)
            if response is not None:
                return response
            if may and not teacher.may(may):
                raise PermissionDenied
            request.teacher = teacher
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
