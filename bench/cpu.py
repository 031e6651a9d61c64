"""CPU seconds used by the processes that serve a request, read from /proc (Linux).

A scenario's figure is "server CPU": utime + stime, between a snapshot taken just before the load
generator starts and one taken just after it stops, of

- app: the gunicorn master(s) of the run and their workers. A master's cutime + cstime hold the
  CPU of workers it has reaped, so a worker that gunicorn replaces during the window
  (max_requests) still counts in full, and a new worker counts from its start;
- db: the PostgreSQL server: the postmaster, its background processes (WAL writer, checkpointer,
  background writer, ...) and the backends connected to the benchmark's database. Backends of
  other databases are other work. Backends come and go (CONN_MAX_AGE), so they are sampled four
  times a second; a backend that ends loses at most its last quarter second;
- cache: the Redis server (one server for the machine: an upper bound);
- client: the load generator (wrk), from its rusage when it exits;
- tool: this process (the sampling itself);
- machine: all CPUs' busy time, so that other = machine - all of the above is the work of
  processes outside the benchmark (other engineers' test runs on a shared machine).
"""

import os
import re
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")
# "postgres: 15/main: postgres bench 127.0.0.1(41234) idle": user, database, client.
BACKEND = re.compile(r"^postgres: (?:[^ :]+: )?(\S+) (\S+) (?:\S+\(\d+\)|\[local\])")


def _stat(pid):
    """(ppid, own CPU seconds, reaped children's CPU seconds, start time) or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # comm may contain spaces: split after the closing parenthesis.
    rest = raw[raw.rindex(b")") + 2:].split()
    return (int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK,
            (int(rest[13]) + int(rest[14])) / TICK, int(rest[19]))


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def machine_busy():
    """Busy CPU seconds summed over all CPUs since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / TICK


def server_role(cmd, db_name):
    """"db", "cache" or None for a process's command line."""
    if cmd.startswith("postgres: "):
        backend = BACKEND.match(cmd)
        return "db" if backend is None or backend.group(2) == db_name else None
    if cmd.split(" ", 1)[0].endswith("/postgres") or cmd.startswith("postgres "):
        return "db"  # the postmaster
    if cmd.startswith("redis-server"):
        return "cache"
    return None


class Tracker:
    """Server CPU over one window: start(), run the load, stop() -> seconds per role."""

    def __init__(self, app_masters, db_name, interval=0.25):
        self.masters, self.db_name, self.interval = set(app_masters), db_name, interval
        self.roles = {}  # (pid, start time) -> role or None
        self.last = {}  # (pid, start time) -> CPU seconds at the last sample
        self.totals = {"db": 0.0, "cache": 0.0}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def _app(self):
        """The app's CPU so far: masters (own + reaped workers) + live workers."""
        total, workers = 0.0, set()
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            info = _stat(pid)
            if info is None:
                continue
            ppid, own, children, started = info
            if int(pid) in self.masters:
                total += own + children
            elif ppid in self.masters:
                total += own
                workers.add((int(pid), started))
        return total, workers

    def _sample(self, *, first=False):
        with self.lock:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                info = _stat(pid)
                if info is None:
                    continue
                key = (pid, info[3])
                if key not in self.roles:
                    self.roles[key] = server_role(_cmdline(pid), self.db_name)
                    if self.roles[key] and not first:
                        self.last[key] = 0.0  # started during the window
                role = self.roles[key]
                if role is None:
                    continue
                if key in self.last:
                    self.totals[role] += max(0.0, info[1] - self.last[key])
                self.last[key] = info[1]

    def _run(self):
        while not self.stopping.wait(self.interval):
            self._sample()

    def start(self):
        self._sample(first=True)
        self.app0, self.workers0 = self._app()
        self.machine0, self.tool0, self.t0 = machine_busy(), sum(os.times()[:2]), time.monotonic()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        app, workers = self._app()
        machine, tool, seconds = machine_busy(), sum(os.times()[:2]), time.monotonic() - self.t0
        self.stopping.set()
        self.thread.join()
        self._sample()
        return {"seconds": seconds, "app": app - self.app0, **self.totals,
                "tool": tool - self.tool0, "machine": machine - self.machine0,
                "workers_started": len(workers - self.workers0)}
