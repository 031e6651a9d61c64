from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import School

# An uploaded file waits this long for its one click; then the row and the file are deleted.
KEEP = timedelta(hours=24)
# What the progress page says at each stage of teachers.importing.Progress.
STAGES = {
    "reading": _("Het bestand wordt gelezen…"),
    "checking": _("Elke regel wordt gecontroleerd…"),
    "writing": _("Groepen, medewerkers en leerlingen worden verwerkt…"),
}
# A running import reports its progress at least every few seconds; after this long without a
# word, its page says it may have stopped (a server restart ends it, writing nothing).
STALLED = timedelta(minutes=10)


class ImportJobQuerySet(models.QuerySet):
    def expired(self):
        return self.filter(created__lt=timezone.now() - KEEP)

    def open_for(self, teacher):
        """The administrator's own jobs that still wait for them: running, or a preview to apply."""
        jobs = self.filter(school=teacher.school, created_by=teacher.user,
                           created__gte=timezone.now() - KEEP).defer("data")
        return [job for job in jobs if not job.finished or job.can_apply]

    def applying(self, school):
        return self.filter(school=school, phase=ImportJob.Phase.APPLY,
                           state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING])


class ImportJob(models.Model):
    """One uploaded file on its way in: first a preview (a dry run of the import), then, after one
    click, the import itself, each as a background task (teachers/tasks.py). The file waits here,
    in the database, so a worker on any machine can read it and the administrator never uploads
    it twice; it is emptied once it is no longer needed. Only the administrator who uploaded it
    sees the job.

    How far the running task is lives in the cache (``progress()``), not in this row: the import
    writes in one transaction, and a row changed inside it could not be read until the end."""

    class Phase(models.TextChoices):
        PREVIEW = "preview", _("voorbeeld")
        APPLY = "apply", _("importeren")

    class State(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="import_jobs",
                               verbose_name=_("school"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("geüpload door"))
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    data = models.BinaryField(_("bestand"), blank=True)
    language = models.CharField(_("taal"), max_length=10, default="nl")
    phase = models.CharField(_("stap"), max_length=10, choices=Phase.choices, default=Phase.PREVIEW)
    state = models.CharField(_("stand"), max_length=10, choices=State.choices, default=State.QUEUED)
    report = models.JSONField(_("verslag"), null=True, blank=True)
    error = models.TextField(_("fout"), blank=True)
    created = models.DateTimeField(_("geüpload op"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("bijgewerkt op"), auto_now=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.filename} ({self.school}, {self.get_phase_display()}: {self.get_state_display()})"

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def applied(self):
        return self.phase == self.Phase.APPLY and self.state == self.State.DONE

    @property
    def expired(self):
        return self.created is not None and self.created < timezone.now() - KEEP

    @property
    def has_errors(self):
        return self.state == self.State.FAILED or bool(self.report and self.report["errors"])

    @property
    def can_apply(self):
        """A preview without errors, within KEEP: one click writes it."""
        return (self.phase == self.Phase.PREVIEW and self.state == self.State.DONE
                and not self.has_errors and not self.expired)

    # Progress, in the cache: shared by every server (Redis), or by the threads of one process.

    @property
    def _progress_key(self):
        return f"import-job:{self.pk}:progress"

    def record_progress(self, values):
        cache.set(self._progress_key, {**values, "at": timezone.now().timestamp()}, timeout=6 * 3600)

    def progress(self):
        return cache.get(self._progress_key) or {}

    @property
    def stalled(self):
        if self.state != self.State.RUNNING:
            return False
        at = self.progress().get("at")
        last = datetime.fromtimestamp(at, tz=UTC) if at else self.updated
        return last < timezone.now() - STALLED

    @property
    def stage_label(self):
        if self.state == self.State.QUEUED:
            return _("In de wachtrij…")
        return STAGES.get(self.progress().get("stage"), _("Bezig…"))

    def status(self):
        """What the progress page's script reads (teachers:school_import_status)."""
        return {"state": self.state, "phase": self.phase, "finished": self.finished,
                "stalled": self.stalled, "label": str(self.stage_label), "progress": self.progress()}

    # The task's steps (teachers/tasks.py). Updates, not save(): the row may have been deleted
    # meanwhile, and the file itself need not travel back and forth.

    def _set(self, **values):
        for name, value in values.items():
            setattr(self, name, value)
        ImportJob.objects.filter(pk=self.pk).update(**values, updated=timezone.now())

    def start(self):
        self._set(state=self.State.RUNNING)

    def finish(self, report):
        keep_file = self.phase == self.Phase.PREVIEW and not report["errors"]
        self._set(state=self.State.DONE, report=report, **({} if keep_file else {"data": b""}))

    def fail(self, error):
        self._set(state=self.State.FAILED, error=error, data=b"")
