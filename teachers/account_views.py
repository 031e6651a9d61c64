"""A staff member's own account: logging in (e-mail or username + password, then the school and
the second step), setting a password from an invitation, "Wachtwoord vergeten?", and setting up
the second step."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.views import SetPasswordPageMixin
from basispoort import lockout
from basispoort.throttle import throttled, throttled_response
from homelogin.guardian_forms import GuardianSetPasswordForm
from schools.models import STAFF_SCHOOL_SESSION_KEY, Teacher
from software import backchannel

from . import second_step as otp_steps
from . import staff
from .decorators import staff_membership, teacher_required
from .forms import SecondStepForm, StaffForgotForm, TeacherLoginForm


def _next(request, default=None):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default or reverse("teachers:my_groups")


class TeacherLoginView(auth_views.LoginView):
    template_name = "teachers/login.html"
    form_class = TeacherLoginForm
    redirect_authenticated_user = False

    def get(self, request, *args, **kwargs):
        # Sent here by a page that needs more than the password (the school, the second step):
        # that step, not the password form again.
        if Teacher.objects.chosen(request) is not None:
            _membership, response = staff_membership(request, next_url=self.get_success_url())
            if response is not None:
                return response
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        # A pupil logged in on this browser (the teacher at the classroom tablet) is logged out
        # by this login, at the publishers too: login() drops the session without a signal.
        backchannel.end_session(self.request)
        super().form_valid(form)
        _membership, response = staff_membership(self.request, next_url=self.get_success_url())
        return response or redirect(self.get_success_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form),
                                       status=429 if form.is_locked else 400)


class TeacherLogoutView(auth_views.LogoutView):
    next_page = "homelogin:home"


@never_cache
def staff_forgot(request):
    """The same answer, on the same page, for every well-formed address: known or not."""
    form = StaffForgotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if throttled(request, "password_mail"):
            return throttled_response(request)
        if not form.is_valid():
            return render(request, "teachers/staff_forgot.html", {"form": form}, status=400)
        staff.send_staff_password_link(email=form.cleaned_data["email"])
        return render(request, "teachers/staff_forgot.html", {"form": form, "sent": True})
    return render(request, "teachers/staff_forgot.html", {"form": form})


class StaffSetPasswordView(SetPasswordPageMixin, auth_views.PasswordResetConfirmView):
    """The link from a staff invitation or "forgot" mail (teachers/staff.py). As for parents,
    Django's view moves the token into the session first and checks it again on saving; the
    new password makes every earlier link useless. Then the staff member is logged in, and the
    staff pages ask for the school and the second step as at every login."""

    form_class = GuardianSetPasswordForm
    template_name = "teachers/staff_set_password.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.PasswordBackend"
    success_url = reverse_lazy("teachers:my_groups")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active or Teacher.objects.for_user(user) is None:
            return None
        return user

    def form_valid(self, form):
        # Whoever reads the mailbox may set a new password; that also ends a lockout.
        lockout.succeeded(self.request, lockout.password_key("staff", self.user.username))
        lockout.succeeded(self.request, lockout.password_key("staff", self.user.email.lower()))
        return super().form_valid(form)



@never_cache
def choose_school(request):
    """A staff member of several schools picks the one they work at now (and can switch)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('teachers:teacher_login')}?next={request.path}")
    memberships = list(Teacher.objects.current().filter(user=request.user).select_related("school")
                       .order_by("school__name"))
    if not memberships:
        raise PermissionDenied
    if request.method == "POST":
        chosen = next((m for m in memberships if str(m.school_id) == request.POST.get("school")), None)
        if chosen is None:
            return render(request, "teachers/choose_school.html", {
                "memberships": memberships, "next": _next(request), "error": True}, status=400)
        request.session[STAFF_SCHOOL_SESSION_KEY] = chosen.school_id
        return redirect(_next(request))
    return render(request, "teachers/choose_school.html", {
        "memberships": memberships, "next": _next(request),
        "current": request.session.get(STAFF_SCHOOL_SESSION_KEY),
    })


@never_cache
@teacher_required(may=None, second_step=False)
def second_step(request):
    """After the password: the code from the authenticator app, or a recovery code."""
    if not otp_steps.has_app(request.user):
        return redirect(f"{reverse('teachers:second_step_setup')}?next={_next(request)}")
    form = SecondStepForm(request.POST or None)
    if request.method == "POST":
        token = form.cleaned_data["token"] if form.is_valid() else None
        if otp_steps.verify(request=request, token=token):
            return redirect(_next(request))
        if form.is_valid():
            form.add_error("token", _("Deze code klopt niet. Kijk of de tijd op uw telefoon goed "
                                      "staat, of gebruik een herstelcode."))
        return render(request, "teachers/second_step.html", {"form": form, "next": _next(request)},
                      status=400)
    return render(request, "teachers/second_step.html", {"form": form, "next": _next(request)})


@never_cache
@teacher_required(may=None, second_step=False)
def second_step_setup(request):
    """Set up the authenticator app: scan the QR code, type the first code; then the recovery
    codes are shown, once. Someone who already has an app must have used it in this session
    first: a stolen password alone cannot replace it."""
    user = request.user
    if otp_steps.has_app(user) and not user.is_verified():
        return redirect(f"{reverse('teachers:second_step')}?next={request.get_full_path()}")
    device = otp_steps.pending_app(user)
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = otp_steps.confirm_app(request=request, device=device,
                                               token=form.cleaned_data["token"])
        if codes is not None:
            staff.record_second_step_on(membership=request.teacher, request=request)
            return render(request, "teachers/second_step_codes.html",
                          {"codes": codes, "next": _next(request)})
        form.add_error("token", _("Deze code klopt niet. Typ de code die de app nu toont."))
    return render(request, "teachers/second_step_setup.html", {
        "form": form, "qr": otp_steps.qr_data_uri(device),
        "secret": otp_steps.secret_text(device), "next": _next(request),
        "required": request.teacher.role in Teacher.SECOND_STEP_REQUIRED,
        "has_app": otp_steps.has_app(user),
    }, status=400 if request.method == "POST" else 200)


@never_cache
@teacher_required(may=None)
def account(request):
    """The staff member's own page: their roles, and the second step."""
    if request.method == "POST" and request.POST.get("action") == "recovery":
        codes = otp_steps.new_recovery_codes(request.user)
        messages.success(request, _("Er zijn nieuwe herstelcodes gemaakt. De oude werken niet meer."))
        return render(request, "teachers/second_step_codes.html", {"codes": codes,
                                                                      "next": reverse("teachers:account")})
    return render(request, "teachers/account.html", {
        "memberships": Teacher.objects.current().filter(user=request.user).select_related("school"),
        "has_app": otp_steps.has_app(request.user),
    })
