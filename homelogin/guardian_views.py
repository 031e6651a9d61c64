"""The older home gate: a parent logs in with e-mail and password (/thuis/), then their child
clicks a name tile and types the school PIN or clicks the password pictures."""

from functools import wraps

from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.backends import is_parent
from accounts.models import User
from accounts.views import SetPasswordPageMixin
from basispoort import lockout
from basispoort.cookies import cookie_name, delete_cookie, set_cookie
from basispoort.throttle import throttled, throttled_response
from pupils.gate import pupil_login, tile_labels
from pupils.models import Pupil
from software import backchannel

from .guardian_forms import ForgotPasswordForm, GuardianLoginForm, GuardianSetPasswordForm
from .services import remember_parent_language, send_password_link

# "Onthoud mijn gebruikersnaam": the cookie holds the e-mail address and nothing else.
REMEMBER_COOKIE = "bp_ouder"
REMEMBER_COOKIE_AGE = 365 * 24 * 3600


def _is_guardian(user):
    """A parent: an adult linked to a child. A teacher who is also a parent logs in once, at
    either door, and reaches both their class and their children."""
    return user.is_authenticated and user.is_active and user.kind == User.Kind.ADULT and is_parent(user)


def guardian_required(view):
    """Only a logged-in parent gets in; anyone else goes to the parents' login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _is_guardian(request.user):
            return redirect("homelogin:guardian_login")
        remember_parent_language(request=request, user=request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _children(guardian):
    """The guardian's linked pupils (still at school), alphabetically, in one query."""
    return (
        Pupil.objects.active().filter(guardian_links__guardian=guardian)
        .select_related("school").order_by("first_name", "last_name", "pk")
    )


def _get_child_for_guardian(request, pk):
    """One of the guardian's own children whose home login is on; anything else is a 404."""
    return get_object_or_404(
        Pupil.objects.active().select_related("school", "group", "user").filter(
            guardian_links__guardian=request.user, home_login_enabled=True
        ),
        pk=pk,
    )


@never_cache
def guardian_login(request):
    if request.method == "GET" and _is_guardian(request.user):
        return redirect("homelogin:guardian_children")
    remembered = request.COOKIES.get(cookie_name(REMEMBER_COOKIE), "")
    form = GuardianLoginForm(
        request, data=request.POST if request.method == "POST" else None,
        initial={"username": remembered, "remember": bool(remembered)},
    )
    if form.is_valid():
        backchannel.end_session(request)  # a child's session on this browser ends, at publishers too
        login(request, form.get_user())  # a new session key
        response = redirect("homelogin:guardian_children")
        if form.cleaned_data["remember"]:
            set_cookie(response, REMEMBER_COOKIE, form.cleaned_data["username"],
                       max_age=REMEMBER_COOKIE_AGE)
        else:
            delete_cookie(response, REMEMBER_COOKIE)
        return response
    locked = form.is_locked
    status = (429 if locked else 400) if request.method == "POST" else 200
    return render(request, "homelogin/guardian_login.html", {"form": form, "locked": locked},
                  status=status)


@never_cache
def guardian_forgot(request):
    """The same answer, on the same page, for every well-formed address: known or not."""
    form = ForgotPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if throttled(request, "password_mail"):
            return throttled_response(request)
        if not form.is_valid():
            return render(request, "homelogin/guardian_forgot.html", {"form": form}, status=400)
        send_password_link(email=form.cleaned_data["email"], language=request.LANGUAGE_CODE)
        return render(request, "homelogin/guardian_forgot.html", {
            "form": form, "sent_to": form.cleaned_data["email"],
        })
    return render(request, "homelogin/guardian_forgot.html", {"form": form})


class GuardianSetPasswordView(SetPasswordPageMixin, auth_views.PasswordResetConfirmView):
    """The link from the invitation or "forgot" mail. Django's view moves the token from the URL
    into the session before the page shows (so it cannot leak in a Referer header) and checks it
    again on saving; setting the password makes every earlier link useless. The parent is then
    logged in at once."""

    form_class = GuardianSetPasswordForm
    template_name = "homelogin/guardian_set_password.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.PasswordBackend"
    success_url = reverse_lazy("homelogin:guardian_children")

    def form_valid(self, form):
        # Whoever reads the parent's mailbox may set a new password; that also ends a lockout.
        lockout.succeeded(self.request, lockout.password_key("guardian", self.user.username))
        return super().form_valid(form)

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and _is_guardian(user) else None



@never_cache
@guardian_required
def guardian_children(request):
    """The guardian's children: a tile for each child whose home login is on, a greyed entry
    for the others."""
    pupils = list(_children(request.user))
    return render(request, "homelogin/guardian_children.html", {
        "heading": _("Wie gaat er werken?"),
        "gate": "home",
        "tiles": tile_labels([p for p in pupils if p.can_log_in_at_home()], "homelogin:guardian_child"),
        "switched_off": [p for p in pupils if not p.can_log_in_at_home()],
        "children": pupils,  # the parent's own links per child (homelogin/family_views.py)
    })


@never_cache
@guardian_required
def guardian_child(request, pk):
    """The child's PIN pad or pictures. A success logs the child in instead of the parent;
    "Uitloggen" later ends everything and leads back to the parents' login."""
    pupil = _get_child_for_guardian(request, pk)
    return pupil_login(
        request, pupil, gate="home",
        tiles_url=reverse("homelogin:guardian_children"), logout_url=reverse("homelogin:guardian_login"),
        device_key=f"ouder:{request.user.pk}",
    )


@require_POST
def guardian_logout(request):
    logout(request)
    return redirect("homelogin:guardian_login")
