"""CPU time used by the benchmark's processes, read from ``/proc`` (Linux), grouped by role.

A role is a set of process groups (gunicorn and each ``guard worker`` run in a session of their own)
or every process of a name (PostgreSQL's). Time of a process that exited between two readings (a
SIGKILLed worker) is not counted; ``children`` adds the time of this process's children that were
waited for (wrk, which exits at the end of the load), and ``reaped`` the time of a named role's ended
processes, which their first ancestor of that name waited for (PostgreSQL's ended backends).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Reading:
    """CPU seconds per role, and the machine's busy and total seconds, at one moment."""

    roles: Mapping[str, float]
    busy: float
    total: float


@dataclass(frozen=True)
class _Process:
    name: str
    pid: int
    parent: int
    group: int
    seconds: float
    reaped: float  # CPU seconds of its ended children


def _processes() -> list[_Process]:
    """Every process still readable."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        seconds, reaped = (int(rest[11]) + int(rest[12])) / TICKS, (int(rest[13]) + int(rest[14])) / TICKS
        found.append(_Process(name, int(entry.name), int(rest[1]), int(rest[2]), seconds, reaped))
    return found


def read(
    groups: Mapping[str, set[int]],
    names: Mapping[str, str],
    children: str | None = None,
    *,
    reaped: bool = False,
) -> Reading:
    """CPU seconds of each role: ``groups`` maps a role to process group ids, ``names`` a role to a name."""
    roles = dict.fromkeys([*groups, *names], 0.0)
    if children:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        roles[children] = used.ru_utime + used.ru_stime
    processes = _processes()
    names_by_pid = {process.pid: process.name for process in processes}
    for process in processes:
        for role, ids in groups.items():
            if process.group in ids:
                roles[role] += process.seconds
        for role, wanted in names.items():
            if process.name == wanted:
                first = names_by_pid.get(process.parent) != wanted
                roles[role] += process.seconds + (process.reaped if reaped and first else 0.0)
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return Reading(roles, (sum(fields[:8]) - idle) / TICKS, sum(fields[:8]) / TICKS)


def cores(before: Reading, after: Reading) -> dict[str, float]:
    """Cores used by each role between two readings, and by the whole machine (``machine``)."""
    wall = (after.total - before.total) / (os.cpu_count() or 1)
    used = {role: (after.roles[role] - before.roles.get(role, 0.0)) / wall for role in after.roles}
    return used | {"machine": (after.busy - before.busy) / wall}
