"""The task queue: Django's tasks framework (django-tasks, the backport of Django 6's
``django.tasks``) with django-tasks-db's database backend. The queue is a table in our own
database, so it needs no extra service, and every app server sees the same queue.

Who runs the tasks:

- **Production**: ``manage.py db_worker`` processes, on any number of machines (docs/deploy.md),
  with ``TASKS_IN_PROCESS_WORKER=0`` on the web servers.
- **The embedded default** (``make demo``, a bare ``manage.py runserver``, the test run): a
  thread of the web process itself. It starts when this process first queues a task (once the
  queuing transaction has committed), runs the queue with db_worker's own loop, and goes to sleep
  again when the queue is empty. A web request never runs a task itself.
"""

import logging
import os
import socket
import threading

import django_tasks_db
from django.conf import settings
from django.db import connection, transaction
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)

# How long the thread waits for new work before it ends; the next task starts it again.
IDLE_SECONDS = 60


def run_queued_tasks(*, worker_id="in-process"):
    """Run every task that is ready, one after another, in this thread; return when none is
    left. db_worker's loop in its batch mode: each task is claimed in its own transaction, so
    a db_worker process elsewhere never runs the same task."""
    Worker(
        queue_names=["*"], excluded_queue_names=[], interval=0.5, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id=worker_id,
    ).run()


class InProcessWorker:
    """A daemon thread of this process that runs the queue, started on demand."""

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = None
        self._stopping = False

    def wake(self):
        """Run the queue now: start the thread, or wake it if it is waiting."""
        with self._lock:
            self._idle.clear()
            self._wake.set()
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="task-worker", daemon=True)
                self._thread.start()

    def wait_until_idle(self, timeout=60):
        """Wait until every task queued so far has run (tests)."""
        return self._idle.wait(timeout)

    def stop(self, timeout=60):
        """End the thread after the task it is running, if any (tests)."""
        with self._lock:
            thread, self._stopping = self._thread, True
            self._wake.set()
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self):
        return self._thread is not None

    def _run(self):
        worker_id = f"{socket.gethostname()}-{os.getpid()}-thread"[:64]
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    run_queued_tasks(worker_id=worker_id)
                except Exception:
                    # A task's own failure is recorded on its result; this is the queue itself
                    # (e.g. the database went away). The next wake tries again.
                    logger.exception("The in-process task worker could not read the queue")
                with self._lock:
                    if not self._wake.is_set():
                        self._idle.set()
                if not self._wake.wait(IDLE_SECONDS):
                    with self._lock:
                        if not self._wake.is_set():  # else a task came just now: go on
                            return
        finally:
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None
            connection.close()


in_process_worker = InProcessWorker()


class DatabaseBackend(django_tasks_db.DatabaseBackend):
    """django-tasks-db's backend (``db_worker`` runs it as it is); with TASKS_IN_PROCESS_WORKER
    it also wakes this process's worker thread once the task's transaction has committed."""

    def enqueue(self, task, args, kwargs):
        result = super().enqueue(task, args, kwargs)
        if settings.TASKS_IN_PROCESS_WORKER:
            transaction.on_commit(in_process_worker.wake)
        return result
