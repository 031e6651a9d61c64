"""Every release of a pupil's data to a publisher is recorded (software.Release) and pruned."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from software.models import Licence, Release, licence_claim_names
from tests.helpers import log_in, sign_in


def test_an_id_token_is_recorded_with_exactly_its_claims(client, issuer, pupil, rekenroute):
    log_in(client, pupil)
    claims, _tokens = sign_in(client, rekenroute)
    release = Release.objects.get()
    assert release.user == pupil.user and release.channel == "id_token"
    assert release.software == rekenroute and release.publisher == rekenroute.publisher
    assert release.client_id == rekenroute.application.client_id
    protocol = ("iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "jti", "sid")
    assert release.claims == {k: v for k, v in claims.items() if k not in protocol}


def test_userinfo_is_recorded_too(client, issuer, pupil, rekenroute):
    log_in(client, pupil)
    _claims, tokens = sign_in(client, rekenroute)
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.status_code == 200
    release = Release.objects.get(channel="userinfo")
    assert release.claims == response.json()


def test_a_teachers_launch_is_not_a_pupils_release(client, issuer, teacher, rekenroute):
    client.force_login(teacher.user)
    sign_in(client, rekenroute)
    assert not Release.objects.exists()


def test_the_licence_names_the_claims_the_provider_releases(client, issuer, pupil, rekenroute):
    licence = Licence.objects.get(software=rekenroute)
    pupil.eckid = "https://ketenid.nl/201703/abc"
    pupil.save()
    for first_name, eckid in [(False, False), (True, False), (False, True), (True, True)]:
        Licence.objects.filter(pk=licence.pk).update(shares_first_name=first_name, shares_eckid=eckid)
        licence.refresh_from_db()
        log_in(client, pupil)
        sign_in(client, rekenroute)
        assert sorted(Release.objects.first().claims) == sorted(licence_claim_names(licence, pupil))


def test_prune_releases_deletes_only_those_past_retention(client, issuer, pupil, rekenroute, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    for _launch in range(2):
        log_in(client, pupil)
        sign_in(client, rekenroute)
    old, recent = Release.objects.order_by("pk")
    now = timezone.now()
    Release.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=30, minutes=1))
    Release.objects.filter(pk=recent.pk).update(created_at=now - timedelta(days=29, hours=23))
    out = StringIO()
    call_command("prune_releases", "--dry-run", stdout=out)
    assert "Would delete: 1 " in out.getvalue() and Release.objects.count() == 2
    call_command("prune_releases", stdout=out)
    assert list(Release.objects.all()) == [recent]


def test_the_nightly_prune_logs_prunes_releases_too(client, issuer, pupil, rekenroute, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    log_in(client, pupil)
    sign_in(client, rekenroute)
    Release.objects.update(created_at=timezone.now() - timedelta(days=31))
    out = StringIO()
    call_command("prune_logs", "--dry-run", stdout=out)
    assert "Would delete: 1 releases" in out.getvalue() and Release.objects.count() == 1
    call_command("prune_logs", stdout=out)
    assert not Release.objects.exists()
