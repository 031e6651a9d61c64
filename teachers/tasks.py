"""Imports as background tasks: the upload page queues a preview (a dry run) and, after one
click, the import itself; a worker runs them (basispoort/taskworker.py) while the page shows how
far they are. The import service itself is teachers/importing.py."""

import logging

from django.db import InterfaceError, OperationalError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from .importing import BUSY, ImportFileError, import_school
from .models import ImportJob

logger = logging.getLogger(__name__)


def queue_preview(*, school, by, filename, data, language):
    """Keep the uploaded file and queue its preview; return the ImportJob at once."""
    ImportJob.objects.expired().delete()
    with transaction.atomic():
        job = ImportJob.objects.create(school=school, created_by=by, filename=filename[:255],
                                       data=data, language=language)
        run_import.enqueue(job.pk)
    return job


def queue_apply(*, job):
    """Queue the import of a preview without errors: the same file, no second upload. A second
    click while it is queued or running changes nothing. Raises ImportFileError (in words) when
    the preview cannot be applied."""
    if job.phase == ImportJob.Phase.APPLY:
        return
    if not job.can_apply:
        raise ImportFileError(
            _("Dit overzicht is verlopen. Upload het bestand opnieuw.") if job.expired
            else _("Dit bestand kan niet worden geïmporteerd: het overzicht bevat fouten.")
        )
    with transaction.atomic():
        if ImportJob.objects.applying(job.school).exists():
            raise ImportFileError(BUSY)
        # One click, one import: only the request that turns the preview into an import queues it.
        if ImportJob.objects.filter(pk=job.pk, phase=ImportJob.Phase.PREVIEW,
                                    state=ImportJob.State.DONE).update(
                phase=ImportJob.Phase.APPLY, state=ImportJob.State.QUEUED):
            job.record_progress({})  # the preview's counts are not the import's
            run_import.enqueue(job.pk)


@task()
def run_import(job_id):
    """Run an ImportJob's preview or import. A file the importer refuses, or any failure, ends
    the job with the reason in the administrator's language; the import's own transaction
    makes sure nothing was written."""
    job = ImportJob.objects.select_related("school", "created_by").filter(pk=job_id).first()
    if job is None:
        return  # deleted meanwhile (expired)
    job.start()
    job.record_progress({})
    with translation.override(job.language):
        try:
            report = import_school(
                bytes(job.data), filename=job.filename, school=job.school, by=job.created_by,
                dry_run=job.phase == ImportJob.Phase.PREVIEW,
                progress=lambda progress: job.record_progress(progress.as_dict()),
            )
        except ImportFileError as error:
            job.fail(str(error))
            return
        except (OperationalError, InterfaceError) as error:
            # The database went away mid-import: its transaction is rolled back, nothing to debug.
            logger.warning("Import job %s: the database could not be reached (%s)", job.pk,
                           str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
            job.fail(_("De database was niet bereikbaar. Er is niets veranderd; probeer het opnieuw."))
            return
        except Exception:
            logger.exception("Import job %s failed", job.pk)
            job.fail(_("De import is mislukt door een fout in Basispoort. Er is niets veranderd. "
                       "Probeer het later opnieuw; lukt het dan nog niet, neem contact op met de "
                       "helpdesk."))
            raise  # the task's result keeps the traceback for the operator
        job.finish(report.as_dict())

