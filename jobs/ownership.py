"""Who runs a job: a machine and a process on it (docs/design.md §13, docs/security.md).

A Celery worker's name says nothing about ownership: every ``celery -A mgstudio worker`` started
without ``-n`` on one host is ``celery@<host>``. A process id does, on the machine that issued
it. "Machine" here is what makes a pid meaningful: the host name, the kernel's boot (a reboot
reuses pids) and the pid namespace (two containers may share a host name and both have a
pid 7). The process's start time tells the owner from a later process that got its pid.
"""

from __future__ import annotations

import functools
import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    machine: str
    pid: int | None
    started: int | None  # clock ticks after boot (Linux); None where unknown


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


@functools.cache
def machine_id() -> str:
    """This process's machine, as far as pids go (at most 200 characters)."""
    boot = _read("/proc/sys/kernel/random/boot_id")[:8] or "-"
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:").strip("[]")
    except OSError:
        namespace = "-"
    return f"{socket.gethostname()[:150]} boot {boot} ns {namespace}"


def process_start(pid: int) -> int | None:
    """When ``pid`` started (clock ticks after boot), or None if it does not exist or is a
    zombie; None on systems without /proc as well."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat.rpartition(")")[2].split()
    if not fields or fields[0] == "Z":
        return None
    return int(fields[19])  # field 22 of the whole line


def current() -> Owner:
    pid = os.getpid()
    return Owner(machine_id(), pid, process_start(pid))


def is_gone(owner: Owner) -> bool:
    """True only when the owner was on this machine and its process no longer runs.

    An owner elsewhere, or not recorded, cannot be judged from here: that is the reaper's
    work, by the job's heartbeat.
    """
    if not owner.pid or owner.machine != machine_id():
        return False
    if owner.started is not None:
        return process_start(owner.pid) != owner.started
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False
