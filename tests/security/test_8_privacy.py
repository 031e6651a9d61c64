"""Privacy: a pupil the import deactivates stops working everywhere; old logs are pruned."""

from datetime import timedelta
from pathlib import Path

from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from homelogin.models import HomeLoginCode
from homelogin.services import issue_home_code
from pupils.models import Pupil
from schools.models import AuditEntry, School, Teacher
from teachers.importing import import_school
from tests.factories import TeacherFactory

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_pupil_the_import_deactivates_stops_working_everywhere(db):
    import_school((DATA / "edex_small_school.xml").read_bytes())
    sem = Pupil.objects.get(external_id="1010")
    sem.home_login_enabled = True
    sem.set_pin("2468")
    sem.save()
    teacher = TeacherFactory(school=School.objects.get(brin="97ZZ"), groups=[sem.group])

    home, school = Client(), Client()
    home.post("/thuis/code/", {"code": issue_home_code(pupil=sem)})
    home.post(f"/thuis/apparaat/leerling/{sem.pk}/", {"pin": "2468"})
    school.force_login(teacher.user)
    school.post("/klas/instellen/", {"group": sem.group.pk})
    assert home.get("/overzicht/").status_code == 200

    import_school((DATA / "edex_reimport.xml").read_bytes())  # Sem left the school

    assert home.get("/overzicht/")["Location"] == "/"  # the session is over
    assert "Sem" not in home.get("/thuis/apparaat/").content.decode()
    assert "Sem" not in school.get("/klas/").content.decode()
    assert school.post(f"/klas/leerling/{sem.pk}/", {"pin": "2468"}).status_code == 404
    assert HomeLoginCode.objects.filter(pupil=sem).exists(), "deactivated, not deleted"
    assert Teacher.objects.filter(pk=teacher.pk).exists()


def test_prune_logs_deletes_old_entries_and_keeps_recent_ones(db, settings, pupil):
    settings.AUDIT_RETENTION_DAYS, settings.ACCESS_LOG_RETENTION_DAYS = 400, 90
    old = AuditEntry.objects.create(school=pupil.school, action="unlocked")
    recent = AuditEntry.objects.create(school=pupil.school, action="unlocked")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=401))
    attempt = AccessAttempt.objects.create(username="x", ip_address="127.0.0.1", user_agent="",
                                           failures_since_start=1, get_data="", post_data="")
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - timedelta(days=91))

    call_command("prune_logs", "--dry-run", stdout=open("/dev/null", "w"))
    assert AuditEntry.objects.count() == 2
    call_command("prune_logs", stdout=open("/dev/null", "w"))
    assert list(AuditEntry.objects.all()) == [recent]
    assert not AccessAttempt.objects.exists()
