"""The 08:30 storm: a school login (tile page, PIN POST, overview) in a fixed, small number of
database round trips, counted with BEGIN and COMMIT; and the caches that make it so are dropped
the moment what they hold changes."""

import pytest
from django.test import Client
from django.utils import timezone

from pupils.models import Pupil
from schools.models import AuditEntry
from tests.factories import GroupFactory, LicenceFactory, PupilFactory, SoftwareFactory
from tests.helpers import CacheCommands, RoundTrips, connect, log_in_pupil


@pytest.fixture
def classroom(teacher, group, pupil):
    PupilFactory.create_batch(25, group=group)
    for name in ("Rekenroute", "Taalkompas", "Typetuin"):
        LicenceFactory(school=group.school, software=SoftwareFactory(name=name))
    device = Client()
    connect(device, teacher, group)
    assert device.get("/klas/").status_code == 200  # the device's group is now known
    return device


@pytest.mark.django_db(transaction=True)
def test_a_pin_login_costs_at_most_three_round_trips(classroom, pupil):
    with RoundTrips() as trips:
        response = classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 302 and response["Location"] == "/overzicht/"
    # The pupil, the lock's count, and the login's writes: no row lock for the first attempt
    # on a pupil (basispoort/lockout.py).
    if trips.connection.vendor == "postgresql":
        # The audit entry, the last login and the session in one statement, no transaction.
        assert len(trips) <= 3 and trips.transactions == 0, trips.statements
        [write] = [sql for sql in trips.statements if "django_session" in sql]
        assert "schools_auditentry" in write and "last_login_school" in write
    else:  # SQLite writes nothing in WITH queries: the three writes in one transaction
        assert len(trips) <= 7 and trips.transactions == 1, trips.statements
    # What the budget still holds: the session once, the audit entry exactly once.
    assert sum("django_session" in sql for sql in trips.statements) == 1
    assert AuditEntry.objects.filter(action="login_ok", pupil=pupil).count() == 1
    assert Pupil.objects.get(pk=pupil.pk).last_login_school is not None


@pytest.mark.django_db(transaction=True)
def test_a_second_attempt_within_the_minute_lines_up_behind_the_row_lock(classroom, pupil):
    assert classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "0000"}).status_code == 403
    classroom.cookies.pop("sessionid", None)
    with RoundTrips() as trips:
        response = classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 302
    assert any("FOR UPDATE" in sql for sql in trips.statements) or trips.connection.vendor == "sqlite"
    assert trips.transactions >= 1, trips.statements  # the row lock's; then the reset of the one failure


def test_the_pin_pad_of_a_pupil_without_failures_reads_only_the_pupil(classroom, pupil,
                                                                      django_assert_num_queries):
    with django_assert_num_queries(1):
        response = classroom.get(f"/klas/leerling/{pupil.pk}/")
    assert response.status_code == 200 and "op slot" not in response.content.decode()
    for attempt in range(10):
        classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{attempt:04d}"})
    response = classroom.get(f"/klas/leerling/{pupil.pk}/")  # failures seen: the count decides
    assert response.status_code == 429 and "Je account is even op slot" in response.content.decode()


def test_the_tile_page_and_the_overview_take_two_queries_each(classroom, pupil,
                                                              django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        tiles = classroom.get("/klas/")
    assert tiles.status_code == 200 and tiles.content.decode().count('class="tile"') == 26
    classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    classroom.get("/overzicht/")  # the class's list is cached from here on
    with django_assert_max_num_queries(2):
        overview = classroom.get("/overzicht/")
    assert overview.status_code == 200 and "Taalkompas" in overview.content.decode()


def test_a_teacher_taken_off_the_group_stops_the_device_at_once(classroom, teacher, group, pupil):
    teacher.groups.remove(group)
    assert classroom.get("/klas/").content.decode().count('class="tile"') == 0
    assert classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"}).status_code == 302
    assert "_auth_user_id" not in classroom.session


def test_a_deactivated_teacher_stops_the_device_at_once(classroom, teacher, pupil):
    teacher.user.is_active = False
    teacher.user.save()
    response = classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 302 and response["Location"] == "/klas/"
    assert "_auth_user_id" not in classroom.session


def test_a_closed_school_stops_the_device_at_once(classroom, school, pupil):
    school.active = False
    school.save()
    response = classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response["Location"] == "/klas/" and "_auth_user_id" not in classroom.session


def test_a_new_licence_shows_on_the_overview_at_once(classroom, group, pupil):
    classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert "Wereldwijs" not in classroom.get("/overzicht/").content.decode()
    LicenceFactory(school=group.school, software=SoftwareFactory(name="Wereldwijs"))
    assert "Wereldwijs" in classroom.get("/overzicht/").content.decode()


def test_an_ended_licence_leaves_the_overview_at_once(classroom, group, pupil):
    classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert "Typetuin" in classroom.get("/overzicht/").content.decode()
    group.school.licences.get(software__name="Typetuin").delete()
    assert "Typetuin" not in classroom.get("/overzicht/").content.decode()


def test_the_session_key_still_changes_at_login(classroom, pupil):
    classroom.get(f"/klas/leerling/{pupil.pk}/")
    before = classroom.cookies.get("sessionid")
    classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    after = classroom.cookies["sessionid"].value
    assert after and (before is None or before.value != after)
    assert classroom.get("/overzicht/").status_code == 200


def test_a_changed_name_or_tile_picture_shows_at_once(classroom, pupil):
    assert "Emma" in classroom.get("/klas/").content.decode()  # the class's tiles are cached now
    pupil.first_name = "Emmy"
    pupil.tile_picture = "maan" if pupil.tile_picture != "maan" else "zon"
    pupil.save()
    page = classroom.get("/klas/").content.decode()
    assert "Emmy" in page and "Emma" not in page and f"tiles/{pupil.tile_picture}.svg" in page


def tile_names(page):
    return {chunk.split("</span>")[0] for chunk in page.split('<span class="tile-name">')[1:]}


def test_a_pupil_joining_or_leaving_the_class_shows_at_once(classroom, group, pupil):
    assert "Emma" in tile_names(classroom.get("/klas/").content.decode())  # cached now
    newcomer = PupilFactory(group=group, first_name="Noor")
    assert "Noor" in tile_names(classroom.get("/klas/").content.decode())
    pupil.active = False
    pupil.save()
    assert "Emma" not in tile_names(classroom.get("/klas/").content.decode())
    newcomer.group = GroupFactory(school=group.school)
    newcomer.save()
    assert "Noor" not in tile_names(classroom.get("/klas/").content.decode())


def test_a_leaver_and_a_newcomer_in_one_import_show_at_once(classroom, group, pupil):
    """The import writes in bulk (no save()), and the count stays the same: one in, one out."""
    before = tile_names(classroom.get("/klas/").content.decode())
    other = PupilFactory(group=GroupFactory(school=group.school), first_name="Yara")
    Pupil.objects.filter(pk=pupil.pk).update(active=False, updated_at=timezone.now())
    other.group = group
    other.updated_at = timezone.now()
    Pupil.objects.bulk_update([other], ["group", "updated_at"])
    after = tile_names(classroom.get("/klas/").content.decode())
    assert len(after) == len(before) and "Yara" in after and "Emma" not in after


def test_a_renamed_group_and_another_language_show_at_once(classroom, group):
    classroom.get("/klas/")
    group.name = "Groep 5 De Uilen"
    group.save()
    page = classroom.get("/klas/").content.decode()
    assert "<h1>Groep 5 De Uilen</h1>" in page and "Klik op je naam." in page
    classroom.post("/i18n/setlang/", {"language": "en", "next": "/klas/"})
    assert "Klik op je naam." not in classroom.get("/klas/").content.decode()


def form_token(page):
    return page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


def test_a_cached_tile_page_carries_this_requests_token_and_nonce(classroom, teacher, group,
                                                                   django_assert_max_num_queries):
    """The class's tile page is rendered once (basispoort/pages.py); the CSRF token and the CSP
    nonce in it are still each request's own, and its language form still works."""
    other = Client()
    connect(other, teacher, group)
    other.handler.enforce_csrf_checks = True
    pages = [classroom.get("/klas/"), other.get("/klas/")]
    with django_assert_max_num_queries(1):  # the tiles' summary; no pupil read
        pages.append(other.get("/klas/"))
    nonces = []
    for response in pages:
        page = response.content.decode()
        assert "stand-in-" not in page and page.count('class="tile"') == 26
        nonce = page.split('nonce="')[1].split('"')[0]
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3
    assert form_token(pages[1].content.decode()) != form_token(pages[2].content.decode())  # masked anew
    response = other.post("/i18n/setlang/", {"language": "en", "next": "/klas/",
                                             "csrfmiddlewaretoken": form_token(pages[2].content.decode())})
    assert response.status_code == 302  # the token from the cached page is accepted


def test_a_flash_message_is_shown_once_and_never_cached(classroom, rf):
    """Messages are never on the cached page: a request with one renders in full."""
    from django.contrib.messages import SUCCESS, add_message
    from django.contrib.messages.storage.fallback import FallbackStorage

    from basispoort.pages import render_cached

    classroom.get("/klas/")
    request = rf.get("/klas/")
    request.session, request.csp_nonce = classroom.session, "n0nce"
    request._messages = FallbackStorage(request)
    add_message(request, SUCCESS, "Het apparaat toont Groep 5a.")
    context = {"tiles": [], "heading": "Groep 5a"}
    page = render_cached(request, "pupils/classroom_tiles.html", context, key="k").content.decode()
    assert "Het apparaat toont Groep 5a." in page
    request._messages = FallbackStorage(request)  # the next request: nothing left to show
    again = render_cached(request, "pupils/classroom_tiles.html", context, key="k").content.decode()
    assert "Het apparaat toont" not in again and "Groep 5a" in again


def test_the_cached_overview_greets_each_pupil_by_their_own_name(classroom, group, pupil):
    """Every pupil of the group sees the same overview but for the name (rendered once):
    each sees their own, escaped as the template escapes it."""
    other = PupilFactory(group=group, first_name="<b>Zoë</b>")
    other.set_pin("2468")
    other.save()
    classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    first = classroom.get("/overzicht/").content.decode()
    classroom.post("/uitloggen/")
    classroom.post(f"/klas/leerling/{other.pk}/", {"pin": "2468"})
    second = classroom.get("/overzicht/").content.decode()
    assert "Hallo Emma!" in first and "Zoë" not in first
    assert "Hallo &lt;b&gt;Zoë&lt;/b&gt;!" in second and "Emma" not in second and "<b>" not in second
    assert "Taalkompas" in second and "stand-in-" not in second


def test_the_pin_pad_is_rendered_once_for_the_class_and_shows_each_pupil(classroom, group, pupil,
                                                                         monkeypatch):
    from basispoort import pages

    rendered = []
    real = pages.render_to_string
    monkeypatch.setattr(pages, "render_to_string", lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    other = PupilFactory(group=group, first_name="Daan", tile_picture="maan")
    first = classroom.get(f"/klas/leerling/{pupil.pk}/")
    second = classroom.get(f"/klas/leerling/{other.pk}/")
    assert rendered == ["pupils/secret.html"]  # once for both
    for response, who in [(first, pupil), (second, other)]:
        page = response.content.decode()
        assert f"Hallo {who.first_name}!" in page and f"<title>Inloggen als {who.first_name}" in page
        assert f'src="{who.tile_picture_url}"' in page and 'name="pin"' in page
        assert f'name="next" type="hidden" value="/klas/leerling/{who.pk}/"' in page  # the language form
        nonce = page.split('nonce="')[1].split('"')[0]
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"] and "stand-in-" not in page
    assert "Daan" not in first.content.decode() and pupil.first_name not in second.content.decode()


def test_a_page_that_shows_its_own_address_is_not_shared_between_addresses(rf, monkeypatch):
    from basispoort import pages

    rendered = []
    real = pages.render_to_string
    monkeypatch.setattr(pages, "render_to_string", lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    for _ in range(2):
        request = rf.get("/klas/")  # the tile page links to /klas/ itself
        request.session, request.csp_nonce = {}, "n0nce"
        page = pages.render_cached(request, "pupils/classroom_tiles.html", {"tiles": [], "heading": "5a"},
                                   key="k", any_address=True).content.decode()
        assert "?next=/klas/" in page
    assert rendered == ["pupils/classroom_tiles.html"] * 2


def test_a_login_whose_answer_fails_leaves_no_session_and_no_audit_entry(classroom, pupil, monkeypatch):
    """The login's writes go with its session (basispoort/sessions.py): a response that breaks
    after the PIN was right saves no session, so the log does not claim a login that never
    reached the pupil."""
    from django.contrib.sessions.models import Session

    from software import signon

    def broken(request):
        raise RuntimeError("the publisher's return address could not be read")

    monkeypatch.setattr(signon, "pending", broken)
    classroom.raise_request_exception = False
    sessions_before = Session.objects.count()
    response = classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 500
    assert not AuditEntry.objects.filter(action="login_ok", pupil=pupil).exists()
    assert Pupil.objects.get(pk=pupil.pk).last_login_school is None
    assert Session.objects.count() == sessions_before


def test_the_storms_cache_commands(classroom, pupil, monkeypatch):
    """What each step of a school login asks of Redis, while nobody failed and the class's
    pages are cached: the device's group and the page (tile page); the group, the failure
    marks, the first attempt's claim and the new session (PIN POST); the session, the tiles
    with their version in one read, and the page (overview)."""
    log_in_pupil(classroom, Pupil.objects.exclude(pk=pupil.pk).first())
    classroom.get("/overzicht/")  # the class's tiles and pages are cached from here on
    classroom.cookies.pop("sessionid", None)
    commands = CacheCommands(monkeypatch)
    assert classroom.get("/klas/").status_code == 200
    assert len(commands) <= 2, commands.calls
    commands.calls.clear()
    assert classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"}).status_code == 302
    assert len(commands) <= 4, commands.calls
    commands.calls.clear()
    assert classroom.get("/overzicht/").status_code == 200
    assert len(commands) <= 3, commands.calls
