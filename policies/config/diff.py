"""What changes between two effective configurations, setting by setting.

A branch rule, status check or environment that appears or disappears is one change, whose value lists
the keys the files set for it (the rest are defaults), instead of one change per key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.config.effective import EffectiveConfig, Setting
from policies.config.model import Level, Source


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One setting that differs; ``before`` is None when added, ``after`` and ``source`` when removed.

    For a whole rule or environment (``entry``), the values are the keys the files set, the rest default.
    """

    path: str
    kind: ChangeKind
    before: Any
    after: Any
    source: Source | None
    entry: bool = False


def diff(before: EffectiveConfig, after: EffectiveConfig) -> tuple[Change, ...]:
    """Settings whose value differs, in the order of ``after``, then those that disappear.

    A value that stays the same but is now set by another level is not a change.
    """
    old = {setting.path: setting for setting in before.settings}
    new = {setting.path: setting for setting in after.settings}
    changes: list[Change] = []
    for path, setting in new.items():
        if path not in old:
            changes.append(_entry_change(path, ChangeKind.ADDED, after, before, new) or
                           Change(path, ChangeKind.ADDED, None, setting.value, setting.source))
        elif old[path].value != setting.value:
            changes.append(Change(path, ChangeKind.CHANGED, old[path].value, setting.value, setting.source))
    for path, setting in old.items():
        if path not in new:
            changes.append(_entry_change(path, ChangeKind.REMOVED, before, after, old) or
                           Change(path, ChangeKind.REMOVED, setting.value, None, None))
    unique = {change.path: change for change in reversed(changes)}  # an entry's rows all give one change
    return tuple(change for change in reversed(unique.values()) if not _emptiness_of_filled(change, old, new))


def _entry_change(path: str, kind: ChangeKind, side: EffectiveConfig, other: EffectiveConfig,
                  rows: Mapping[str, Setting]) -> Change | None:
    """The change of the outermost rule or environment that contains ``path`` and exists on one side only."""
    entry = next((e for e in side.entries if e not in other.entries and _inside(path, e)), None)
    if entry is None:
        return None
    written = {row[len(entry):].lstrip("."): setting.value for row, setting in rows.items()
               if _inside(row, entry) and setting.source.level is not Level.DEFAULT}
    if kind is ChangeKind.ADDED:
        return Change(entry, kind, None, written, side.entries[entry], entry=True)
    return Change(entry, kind, written, None, None, entry=True)


def _inside(path: str, entry: str) -> bool:
    return path.startswith((f"{entry}.", f"{entry}["))


def _emptiness_of_filled(change: Change, old: Mapping[str, Setting], new: Mapping[str, Setting]) -> bool:
    """True for the ``{}``/``[]`` row of a map or list that gained or lost its first entries.

    Such a row only stands for "no entries"; the entries themselves are reported as changes.
    """
    value = change.before if change.kind is ChangeKind.REMOVED else change.after
    if change.kind is ChangeKind.CHANGED or change.entry or value not in ({}, []):
        return False
    other = new if change.kind is ChangeKind.REMOVED else old
    return any(_inside(path, change.path) for path in other)
