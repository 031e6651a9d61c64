"""CPU seconds used by the processes under test, read from /proc (Linux).

The machine the benchmark runs on may be busy with other work; wall-clock throughput then
understates what the server can do. CPU seconds per request do not depend on that, so every
scenario also records, between the end of ramp-up and the end of the run:

- app: the gunicorn master and its workers;
- db: PostgreSQL backends connected to the benchmark database (SQLite runs inside the app);
- cache: the Redis server (shared by the machine, so an upper bound);
- client: the load generator itself;
- machine: all CPUs busy time, so "other" = machine - the above shows what else was running.
"""

import os

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # comm may contain spaces: split after the closing parenthesis.
    rest = raw[raw.rindex(b")") + 2:].split()
    ppid, utime, stime = int(rest[1]), int(rest[11]), int(rest[12])
    return ppid, (utime + stime) / TICK


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def machine_busy():
    """(busy seconds, total seconds) summed over all CPUs since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return (total - idle) / TICK, total / TICK


class Tracker:
    """CPU seconds per role over a window, sampled every fraction of a second so that processes
    which end during the window (gunicorn's max_requests restarts, PostgreSQL backends closed
    after CONN_MAX_AGE) still count up to their last sample, and processes started during the
    window count from zero."""

    def __init__(self, gunicorn_pid=None, db_name=None):
        self.gunicorn_pid, self.db_name = gunicorn_pid, db_name
        self.roles, self.last = {}, {}
        self.totals = {"app": 0.0, "db": 0.0, "cache": 0.0}
        self.started = False
        self.client0 = self.machine0 = None

    def _role(self, pid, ppid):
        if self.gunicorn_pid and (pid == self.gunicorn_pid or ppid == self.gunicorn_pid):
            return "app"
        cmd = _cmdline(pid)
        if self.db_name and cmd.startswith("postgres: ") and f" {self.db_name} " in cmd:
            return "db"
        if cmd.startswith("redis-server"):
            return "cache"
        return None

    def sample(self):
        for pid in _pids():
            info = _stat(pid)
            if info is None:
                continue
            ppid, used = info
            if pid not in self.roles:
                self.roles[pid] = self._role(pid, ppid)
                if self.roles[pid] and self.started:
                    self.last[pid] = 0.0  # born during the window
            role = self.roles[pid]
            if role is None:
                continue
            if pid in self.last:
                self.totals[role] += max(0.0, used - self.last[pid])
            self.last[pid] = used
        if not self.started:
            self.started = True
            self.client0 = sum(os.times()[:2])
            self.machine0 = machine_busy()[0]

    def result(self):
        return {**self.totals, "client": sum(os.times()[:2]) - self.client0,
                "machine": machine_busy()[0] - self.machine0}
