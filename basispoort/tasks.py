"""Tasks that any app may queue (the queue itself: basispoort/taskworker.py)."""

import logging

from django.core.mail import get_connection
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)


def mail_builder(function):
    """Mark a function that send_mails may call. The queue's table names the function by its
    dotted path; only marked ones run, so a row in that table cannot call just anything."""
    function.builds_mail = True
    return function


@task()
def send_mails(builder, items):
    """Send one mail per item, in the background: invitations for a whole school, say.

    ``builder`` is the dotted path of a @mail_builder function; it gets one item (a dict of
    JSON values) as keyword arguments and returns the EmailMessage to send, or None to send
    nothing (the person was removed meanwhile). The arguments are stored in the queue's table,
    so they carry ids, never a link or a token: the builder makes those when the mail is sent.
    Each mail goes on its own over one connection, so a refused address does not stop the
    rest; failures are logged. Returns the counts, which the task's result keeps::

        send_mails.enqueue("teachers.invitations.staff_invitation", [{"teacher_id": 7}, ...])
    """
    build = import_string(builder)
    if not getattr(build, "builds_mail", False):
        raise ValueError(f"{builder} is not a @mail_builder function")
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    connection = get_connection()
    try:
        for item in items:
            try:
                message = build(**item)
                if message is None:
                    counts["skipped"] += 1
                    continue
                message.connection = connection
                message.send()
                counts["sent"] += 1
            except Exception:
                logger.exception("A mail from %s could not be sent", builder)
                counts["failed"] += 1
                connection.close()  # the next mail opens a fresh one
    finally:
        connection.close()
    return counts
