from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pupils.forms import SetPicturesForm, SetPinForm
from pupils.models import Pupil
from pupils.pictures import PICTURES

from .decorators import teacher_required
from .forms import TeacherLoginForm


class TeacherLoginView(auth_views.LoginView):
    template_name = "schools/login.html"
    form_class = TeacherLoginForm
    redirect_authenticated_user = False

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TeacherLogoutView(auth_views.LogoutView):
    next_page = "home"


def _get_group_for_teacher(request, pk):
    return get_object_or_404(request.teacher.visible_groups().select_related("school"), pk=pk)


def _get_pupil_for_teacher(request, pk):
    return get_object_or_404(
        Pupil.objects.select_related("school", "group", "user").filter(
            school=request.teacher.school, group__in=request.teacher.visible_groups()
        ),
        pk=pk,
    )


@never_cache
@teacher_required
def my_groups(request):
    return render(request, "schools/my_groups.html", {
        "groups": request.teacher.visible_groups().select_related("school"),
    })


@never_cache
@teacher_required
def group_detail(request, pk):
    group = _get_group_for_teacher(request, pk)
    return render(request, "schools/group.html", {
        "group": group, "pupils": Pupil.objects.for_group(group),
    })


@never_cache
@teacher_required
def pupil_detail(request, pk):
    pupil = _get_pupil_for_teacher(request, pk)
    return render(request, "schools/pupil.html", {
        "pupil": pupil,
        "pin_form": SetPinForm(pupil=pupil),
        "pictures_form": SetPicturesForm(pupil=pupil),
    })


@never_cache
@require_POST
@teacher_required
def pupil_set_secret(request, pk):
    """Set or generate a pupil's PIN or picture password. The new secret is shown once, on
    this response: it is never stored in clear, not even in a message or a cookie."""
    pupil = _get_pupil_for_teacher(request, pk)
    kind = request.POST.get("kind")
    form_class = {"pin": SetPinForm, "picture": SetPicturesForm}.get(kind)
    if form_class is None:
        return render(request, "400.html", status=400)
    form = form_class(request.POST, pupil=pupil)
    if not form.is_valid():
        forms = {"pin_form": SetPinForm(pupil=pupil), "pictures_form": SetPicturesForm(pupil=pupil)}
        forms["pin_form" if kind == "pin" else "pictures_form"] = form
        return render(request, "schools/pupil.html", {"pupil": pupil, **forms}, status=400)
    secret = form.save()
    return render(request, "schools/pupil_secret_set.html", {
        "pupil": pupil,
        "pin": secret if kind == "pin" else None,
        "pictures": [(slug, PICTURES[slug]) for slug in secret] if kind == "picture" else None,
    })
