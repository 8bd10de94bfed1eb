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
    changes: dict[str, Change] = {}
    for path, setting in new.items():
        if path not in old:
            _one_sided(changes, path, setting, ChangeKind.ADDED, (after, before))
        elif old[path].value != setting.value:
            changes[path] = Change(path, ChangeKind.CHANGED, old[path].value, setting.value, setting.source)
    for path, setting in old.items():
        if path not in new:
            _one_sided(changes, path, setting, ChangeKind.REMOVED, (before, after))
    return tuple(change for change in changes.values() if not _emptiness_of_filled(change, old, new))


def _one_sided(
    changes: dict[str, Change],
    path: str,
    setting: Setting,
    kind: ChangeKind,
    sides: tuple[EffectiveConfig, EffectiveConfig],
) -> None:
    """Record a setting that exists on one side only, folded into its rule or environment if that is new."""
    side, other = sides
    added = kind is ChangeKind.ADDED
    entry = _new_entry(path, side, other)
    if entry is None:
        before, after = (None, setting.value) if added else (setting.value, None)
        changes[path] = Change(path, kind, before, after, setting.source if added else None)
        return
    existing = changes.get(entry)
    written = dict((existing.after if added else existing.before) if existing else {})
    if setting.source.level is not Level.DEFAULT:
        written[path[len(entry) :].lstrip(".")] = setting.value
    before, after = (None, written) if added else (written, None)
    changes[entry] = Change(entry, kind, before, after, side.entries[entry] if added else None, entry=True)


def _new_entry(path: str, side: EffectiveConfig, other: EffectiveConfig) -> str | None:
    """The outermost rule or environment containing ``path`` that exists on ``side`` only."""
    for index, char in enumerate(path):
        if char in ".[" and path[:index] in side.entries and path[:index] not in other.entries:
            return path[:index]
    return None


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
