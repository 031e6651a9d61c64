"""send_mails: mail to many people as one background task (basispoort/tasks.py)."""

from django.core import mail
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from basispoort.tasks import mail_builder, send_mails
from tests.factories import UserFactory

called = []


@mail_builder
def welcome(*, user_id):
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None  # removed meanwhile
    if user.email.startswith("kapot"):
        raise ValueError("no such mailbox")
    return mail.EmailMessage("Welkom bij Basispoort", f"Hallo {user.first_name}", to=[user.email])


def not_marked(**kwargs):
    called.append(kwargs)


def test_it_sends_one_mail_per_item_in_the_background(db, run_tasks, mailoutbox):
    ilse = UserFactory(email="ilse@example.nl", first_name="Ilse")
    pieter = UserFactory(email="pieter@example.nl", first_name="Pieter")
    items = [{"user_id": ilse.pk}, {"user_id": pieter.pk}, {"user_id": 0}]
    send_mails.enqueue(f"{__name__}.welcome", items)
    assert mailoutbox == [], "queued, not sent by the caller"
    run_tasks()
    assert sorted((m.to[0], m.body) for m in mailoutbox) == [
        ("ilse@example.nl", "Hallo Ilse"), ("pieter@example.nl", "Hallo Pieter"),
    ]
    assert DBTaskResult.objects.get().return_value == {"sent": 2, "skipped": 1, "failed": 0}


def test_one_mail_that_fails_does_not_stop_the_others(db, run_tasks, mailoutbox, caplog):
    users = [UserFactory(email=address) for address in ["a@example.nl", "kapot@example.nl", "b@example.nl"]]
    send_mails.enqueue(f"{__name__}.welcome", [{"user_id": user.pk} for user in users])
    run_tasks()
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.nl", "b@example.nl"]
    assert DBTaskResult.objects.get().return_value == {"sent": 2, "skipped": 0, "failed": 1}
    assert "could not be sent" in caplog.text


def test_only_a_mail_builder_is_called(db, run_tasks, mailoutbox):
    send_mails.enqueue(f"{__name__}.not_marked", [{"user_id": 1}])
    run_tasks()
    assert called == [] and mailoutbox == []
    assert DBTaskResult.objects.get().status == "FAILED"
