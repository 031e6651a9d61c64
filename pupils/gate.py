"""The last steps of every gate, shared by the classroom device (pupils/views.py), the home
device and the parents' session (homelogin/): a page of name tiles, and the PIN pad or picture
grid that logs a pupil in."""

import hashlib
from functools import lru_cache

from django.contrib.auth import authenticate
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property

from basispoort import lockout
from basispoort.pages import render_cached
from software import signon

from . import session
from .forms import PictureForm, PinForm
from .models import Pupil
from .pictures import PICTURES, grid_for


class Tiles(list):
    """[(pupil, label, url)], the name tiles of one page, with the ``fingerprint`` of what they
    show: their HTML is the same for every pupil of a class, so it is rendered once and cached
    under that fingerprint (pupils/tile_picker.html). Any change to a name, a picture, a link or
    who is in the list makes a new fingerprint, so nothing needs to be invalidated; and two
    lists that differ (two families, two classes) never share an entry."""

    def __init__(self, tiles):
        super().__init__(tiles)
        self.fingerprint = hashlib.sha256("|".join(
            f"{pupil.pk}:{label}:{pupil.tile_picture_url}:{url}" for pupil, label, url in self
        ).encode()).hexdigest()


class ClassTiles:
    """The name tiles of a class on its classroom device (class_tile_page). At 08:30 every
    pupil of the class loads the same page, so it is rendered once and cached under a
    ``fingerprint`` that one aggregate query gives: how many pupils the tiles show and when the
    last of them changed. Every change a tile shows moves a pupil's ``updated_at`` (a name, a
    picture, joining or leaving the class: Pupil.updated_at), the group's name is the heading,
    and the static files' manifest changes with a release. The pupils themselves are read only
    when the page is not in the cache."""

    def __init__(self, group, viewname):
        self.group, self.viewname = group, viewname
        self.count, changed = Pupil.tile_summary(group)
        self.fingerprint = hashlib.sha256(":".join(str(part) for part in (
            group.pk, group.name, viewname, self.count, changed, _static_release(),
        )).encode()).hexdigest()

    def __len__(self):
        return self.count

    def __iter__(self):
        return iter(self._tiles)

    @cached_property
    def _tiles(self):
        return tile_labels(Pupil.objects.for_group(self.group), self.viewname)


@lru_cache(maxsize=1)
def _static_release():
    """What tells one release's static files from another's: the manifest's hash when static
    files are collected (production), else nothing (development serves them unhashed)."""
    return getattr(staticfiles_storage, "manifest_hash", "")


def tile_page(request, tiles, *, heading, gate, **context):
    """A page of name tiles (``tiles`` from tile_labels) for ``gate``."""
    return render(request, "pupils/tile_picker.html", {"tiles": tiles, "heading": heading, "gate": gate,
                                                       **context})


def class_tile_page(request, group):
    """The name tiles of ``group`` on its classroom device: one query and one cache read while
    nobody in the class changed (ClassTiles, basispoort/pages.py)."""
    tiles = ClassTiles(group, "pupils:classroom_pupil")
    return render_cached(request, "pupils/classroom_tiles.html", {"tiles": tiles, "heading": group.name},
                         key=tiles.fingerprint)


def tile_labels(pupils, viewname):
    """The Tiles of ``pupils``, each named as Pupil.tile_labels names it (the first name, and
    as much of the last name as tells pupils of one first name apart); each tile links to
    ``viewname``."""
    pupils = list(pupils)
    url = reverse(viewname, args=[0]).replace("/0/", "/{}/")  # one reverse() for the whole class
    labels = Pupil.tile_labels(pupils)
    return Tiles((pupil, labels[pupil.pk], url.format(pupil.pk)) for pupil in pupils)


def pupil_login(request, pupil, *, gate, tiles_url, device_key, logout_url=None, device=None):
    """The PIN pad or picture grid for ``pupil``, at school or at home (``gate``); every gate's
    last step. ``tiles_url`` is the "Terug" link; "Uitloggen" later leads to ``logout_url``
    (default: the tiles again). ``device_key`` names the device or parent session the attempt
    comes from, for slowing down failures across pupils (basispoort/lockout.py). ``device`` is
    the home device's entry id: the session ends when that entry is revoked.

    Every login goes through authenticate(), so django-axes counts failures per pupil and gate
    and refuses a locked pupil; parallel attempts line up behind the pupil's row lock, except
    a right secret in the first attempt of a minute (basispoort/lockout.py first_attempt). A
    success logs the pupil in as their own User with a new session key: whoever was logged in
    on this browser before (a parent) is logged out.
    """
    key = lockout.pupil_key(pupil, gate)
    pictures = pupil.secret_kind == Pupil.SecretKind.PICTURE
    context = {"pupil": pupil, "gate": gate, "back_url": tiles_url, "error": None}
    status = 200

    if request.method == "POST":
        form = PictureForm(request.POST, school=pupil.school) if pictures else PinForm(request.POST)
        if pictures and form.is_valid() and not form.complete:
            pass  # without JavaScript: ask for the next picture
        elif form.is_valid() and lockout.pupil_gate_slowed(request, device=device_key):
            context["error"], status = "slow", 429
            form = PictureForm(school=pupil.school) if pictures else PinForm()
        elif form.is_valid():
            secret = form.cleaned_data["pictures" if pictures else "pin"]
            first = lockout.first_attempt(key)
            if first and pupil.check_secret(secret):
                # Right, and nobody else tried this pupil's secret just now: the lock's count
                # is all that can still refuse it (the 08:30 login, nearly always).
                user = authenticate(request, username=key, pupil=pupil, secret=secret, gate=gate)
            else:
                with transaction.atomic():
                    Pupil.objects.lock_for_attempt(pupil.pk)
                    if not first:
                        lockout.behind_first_attempt(request, key)
                    user = authenticate(request, username=key, pupil=pupil, secret=secret, gate=gate)
                if first:
                    lockout.first_attempt_counted(key)
            if user is not None:
                session.start(request, pupil, gate=gate, return_url=logout_url or tiles_url,
                              device=device)
                lockout.succeeded(request, key)
                # A login a publisher started (software/signon.py) continues there.
                return signon.forget(redirect(signon.pending(request) or "pupils:overview"))
            if lockout.was_locked(request):
                context["error"], status = "locked", 429
            else:
                context["error"], status = "wrong", 403
                lockout.pupil_gate_failed(request, device=device_key)
            form = PictureForm(school=pupil.school) if pictures else PinForm()
        else:
            context["error"], status = "invalid", 400
    else:
        form = PictureForm(school=pupil.school) if pictures else PinForm()
        if lockout.shows_as_locked(request, key):
            context["error"], status = "locked", 429
        elif not pictures:
            # The PIN pad is the same for every pupil of the class but for the name and the
            # tile picture: rendered once (basispoort/pages.py).
            return signon.allow_form_redirect(request, render_cached(
                request, "pupils/secret.html", {**context, "pupil": None, "form": form},
                key=hashlib.sha256(repr((gate, tiles_url)).encode()).hexdigest(), any_address=True,
                fill={"first_name": pupil.first_name, "tile_picture_url": pupil.tile_picture_url},
            ))

    if pictures:
        picked = form.cleaned_data.get("pictures", []) if form.is_bound and form.is_valid() else []
        context.update({
            "grid": [(slug, PICTURES[slug]) for slug in grid_for(pupil.school)],
            "picked": picked,
            "length": pupil.school.picture_password_length,
            "steps": range(1, pupil.school.picture_password_length + 1),
        })
    context.update(form=form, first_name=pupil.first_name, tile_picture_url=pupil.tile_picture_url)
    return signon.allow_form_redirect(request, render(request, "pupils/secret.html", context, status=status))
