"""The import and staff accounts: one account per person across schools and roles, an invitation
for new staff once the import is written, and no access for those who left the file."""

from pathlib import Path

import pytest

from accounts.models import User
from schools.models import Teacher
from teachers.importing import import_school
from tests.factories import GuardianFactory, GuardianLinkFactory

FILES = Path(__file__).resolve().parents[1] / "data" / "edexml21"


def load(name, **kwargs):
    report = import_school((FILES / name).read_bytes(), **kwargs)
    assert report.written, report.errors
    return report


def log_in(client, username, password="correct-horse-battery"):
    return client.post("/leerkracht/inloggen/", {"username": username, "password": password})


def test_a_teacher_at_two_schools_is_one_account_with_a_membership_at_each(db):
    load("staff_school_a.xml")
    load("staff_school_b.xml")
    jan = User.objects.get(email__iexact="jan@scholen.example")
    assert sorted(jan.school_roles.values_list("school__brin", "groups__name")) == [
        ("97AA", "Groep 5"), ("97BB", "Groep 3")]
    assert User.objects.filter(email__iexact="jan@scholen.example").count() == 1


def test_a_teacher_who_is_a_parent_keeps_the_parents_account_and_password(client, db):
    fatima = GuardianFactory(username="fatima@thuis.example")
    GuardianLinkFactory(guardian=fatima)
    load("staff_school_a.xml")
    assert fatima.school_roles.get().school.brin == "97AA"
    assert User.objects.filter(email="fatima@thuis.example").count() == 1
    assert log_in(client, "fatima@thuis.example").status_code == 302
    assert client.get("/leerkracht/").status_code == 200
    assert client.get("/thuis/kinderen/").status_code == 200


def test_new_staff_are_invited_by_their_own_task_once_the_import_is_written(
        db, mailoutbox, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load("staff_school_a.xml")
    assert mailoutbox == [], "queued: the import does not wait for the mail server"
    run_tasks()
    assert sorted(m.to[0] for m in mailoutbox) == ["fatima@thuis.example", "jan@scholen.example"]
    assert all(t.invited_at for t in Teacher.objects.all())
    with django_capture_on_commit_callbacks(execute=True):
        load("staff_school_a.xml")  # the same file again: nobody new, no mail
    run_tasks()
    assert len(mailoutbox) == 2


def test_the_import_job_is_done_before_the_invitations_go_out_once_each(
        db, mailoutbox, run_tasks, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from teachers import tasks
    from teachers.models import ImportJob
    from tests.factories import SchoolFactory, TeacherFactory

    school = SchoolFactory(brin="97AA", vestiging="00")
    admin = TeacherFactory(school=school, role="ict_coordinator", user__email="ict@school.example")
    job = tasks.queue_preview(school=school, by=admin.user, filename="school.xml", language="nl",
                              data=(FILES / "staff_school_a.xml").read_bytes())
    run_tasks()
    job.refresh_from_db()
    tasks.queue_apply(job=job)
    with django_capture_on_commit_callbacks(execute=True):
        run_tasks()  # the import, and nothing else: the invitations are queued once it is written
    job.refresh_from_db()
    assert job.applied and job.state == ImportJob.State.DONE
    assert mailoutbox == []
    queued = DBTaskResult.objects.filter(task_path__endswith="invite_staff_members", status="READY")
    assert queued.count() == 1
    run_tasks()
    assert sorted(m.to[0] for m in mailoutbox) == ["fatima@thuis.example", "jan@scholen.example"]
    run_tasks()  # nothing left to run twice
    assert len(mailoutbox) == 2


def test_a_person_whose_invitation_from_another_school_is_open_gets_no_second_one(
        db, mailoutbox, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load("staff_school_a.xml")
    run_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        load("staff_school_b.xml")  # Jan teaches here too
    run_tasks()
    jan = [m for m in mailoutbox if m.to == ["jan@scholen.example"]]
    assert len(jan) == 1
    assert all(t.invited_at for t in Teacher.objects.filter(user__email="jan@scholen.example"))


def test_a_dry_run_invites_nobody(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_school((FILES / "staff_school_a.xml").read_bytes(), dry_run=True)
    assert mailoutbox == []


def test_staff_who_left_the_file_can_no_longer_log_in(client, db):
    load("staff_school_a.xml")
    fatima = User.objects.get(username="fatima@thuis.example")
    fatima.set_password("correct-horse-battery")
    fatima.save()
    data = (FILES / "staff_school_a.xml").read_text()
    start = data.index('<leerkracht key="FAT">')
    without = data[:start] + data[data.index("</leerkracht>", start) + len("</leerkracht>"):]
    assert import_school(without.encode()).written
    assert not fatima.school_roles.get().active
    assert log_in(client, "fatima@thuis.example").status_code == 400
    # Back in the next file: back in.
    load("staff_school_a.xml")
    assert log_in(client, "fatima@thuis.example").status_code == 302


def test_a_classroom_device_of_staff_who_left_the_file_stops_at_once(db):
    """The device's group is cached (pupils/classroom.py); the import that ends the membership
    drops it at once, not two minutes later."""
    from django.test import Client

    from tests.helpers import connect

    load("staff_school_a.xml")
    fatima = Teacher.objects.select_related("user").get(user__username="fatima@thuis.example")
    device = Client()
    assert connect(device, fatima, fatima.groups.get()).status_code == 302
    assert device.get("/klas/").content.decode().count('class="tile"') == 1  # Zoë; now cached
    data = (FILES / "staff_school_a.xml").read_text()
    start = data.index('<leerkracht key="FAT">')
    without = data[:start] + data[data.index("</leerkracht>", start) + len("</leerkracht>"):]
    assert import_school(without.encode()).written
    page = device.get("/klas/").content.decode()
    assert 'class="tile"' not in page and "Zoë" not in page


def test_a_hand_added_substitute_is_not_ended_by_the_import(db, school):
    from tests.factories import TeacherFactory

    load("staff_school_a.xml", school=None)
    school_a = Teacher.objects.filter(school__brin="97AA").first().school
    substitute = TeacherFactory(school=school_a, role="invalkracht")
    load("staff_school_a.xml")
    substitute.refresh_from_db()
    assert substitute.active


def test_an_address_of_a_platform_account_is_refused_with_its_line(db):
    from tests.factories import UserFactory

    UserFactory(username="jan@scholen.example", kind=User.Kind.ADMIN)
    report = import_school((FILES / "staff_school_a.xml").read_bytes())
    assert not report.written
    assert any("geen medewerker" in message for _line, message in report.errors)


@pytest.mark.django_db(transaction=True)
def test_the_command_ends_once_the_invitations_are_sent_on_the_embedded_default(mailoutbox, monkeypatch):
    """The invitations are a task; with the queue in a thread of the command's own process, the
    command must not end (and take the thread with it) before they are out."""
    import time

    from django.core.management import call_command

    from teachers import staff

    invite = staff.invite_staff

    def slow_mail_server(**kwargs):
        time.sleep(0.5)
        return invite(**kwargs)

    monkeypatch.setattr(staff, "invite_staff", slow_mail_server)
    call_command("import_school", str(FILES / "staff_school_a.xml"), verbosity=0)
    assert sorted(m.to[0] for m in mailoutbox) == ["fatima@thuis.example", "jan@scholen.example"]
