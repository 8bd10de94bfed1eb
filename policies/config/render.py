"""Markdown for the check run on a pull request that changes a ``guard.yml``.

Every value that comes from a file is put in a code span with ``|`` escaped, so a hostile file cannot add
table cells, links or HTML to the summary. Long lists are cut so the summary stays under GitHub's limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from policies.config.diff import Change, ChangeKind
from policies.config.effective import EffectiveConfig, IgnoredSetting, Setting
from policies.config.model import Level
from policies.config.preview import Preview
from policies.markdown import code

SUMMARY_LIMIT = 65_000  # GitHub refuses check run summaries over 65,535 characters
MAX_PROBLEMS = 50
MAX_ROWS = 300
_TRUNCATED = "\n\n_The summary was cut to fit GitHub's size limit._\n"


def preview_title(preview: Preview) -> str:
    """A one-line check run title."""
    if not preview.ok:
        count = len(preview.problems)
        return f"{preview.file} has {count} error{'s' if count != 1 else ''}"
    count = len(preview.changes)
    if not count:
        return f"{preview.file} is valid; the configuration does not change"
    return f"{preview.file} is valid; {count} setting{'s' if count != 1 else ''} change"


def render_preview(preview: Preview) -> str:
    """The check run summary: errors, or the changes, ignored locked keys and the effective configuration."""
    if not preview.ok:
        text = _render_problems(preview)
    else:
        assert preview.proposed is not None
        proposed = preview.proposed
        parts = [
            f"**{code(preview.file)} is valid.** Nothing is applied until this change lands on the "
            "default branch.",
            _render_changes(preview.changes),
            _render_ignored(proposed.ignored),
            _details(proposed.config),
            _legend(proposed.config),
        ]
        text = "\n\n".join(part for part in parts if part) + "\n"
    if len(text) <= SUMMARY_LIMIT:
        return text
    return text[: text.rfind("\n", 0, SUMMARY_LIMIT - len(_TRUNCATED))] + _TRUNCATED


def render_effective(config: EffectiveConfig) -> str:
    """A table of every effective value and the level that set it."""
    rows = [(code(setting.path), _value_cell(setting), _set_by(setting)) for setting in config.settings]
    return _table(("Setting", "Value", "Set by"), rows)


def _render_problems(preview: Preview) -> str:
    count = len(preview.problems)
    lines = [str(problem) for problem in preview.problems[:MAX_PROBLEMS]]
    if count > MAX_PROBLEMS:
        lines.append(f"... and {count - MAX_PROBLEMS} more; run `guard config check` to see them all")
    block = "\n".join(lines)
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", block)), default=0) + 1)
    return (
        f"**{code(preview.file)} has {count} error{'s' if count != 1 else ''}.** If this change lands "
        "as it is, the guard refuses the file, keeps the configuration in force today and raises an "
        f"alert.\n\n{fence}text\n{block}\n{fence}\n"
    )


def _render_changes(changes: tuple[Change, ...]) -> str:
    if not changes:
        return "The effective configuration does not change."
    rows = [
        (
            code(c.path),
            _side(c, c.before, ChangeKind.ADDED),
            _side(c, c.after, ChangeKind.REMOVED),
            c.source.level.value if c.source else "—",
        )
        for c in changes
    ]
    return "### What changes when it lands\n\n" + _table(("Setting", "Now", "After", "Set by"), rows)


def _render_ignored(ignored: tuple[IgnoredSetting, ...]) -> str:
    if not ignored:
        return ""
    lines = [f"- {code(f'{item.file}:{item.line}:{item.column}')} sets {code(item.key)}" for item in ignored]
    return (
        "### Locked by the organisation\n\nThe organisation's `guard.yml` locks these keys, so the "
        "values set here will be ignored, and each will raise an alert once this lands:\n\n"
        + "\n".join(lines)
    )


def _details(config: EffectiveConfig) -> str:
    return (
        f"<details>\n<summary>Effective configuration after this change ({len(config.settings)} "
        f"settings)</summary>\n\n{render_effective(config)}\n\n</details>"
    )


def _legend(config: EffectiveConfig) -> str:
    found = _distinct(s for setting in config.settings for s in (setting.source, *setting.item_sources))
    sources = sorted(found, key=lambda source: list(Level).index(source.level))
    parts = ["**default** is the guard's built-in default"]
    parts += [f"**{source.level.value}** is {code(source.file)}" for source in sources if source.file]
    return "Set by: " + ", ".join(parts) + "."


def _value_cell(setting: Setting) -> str:
    if not setting.item_sources:
        return code(_plain(setting.value))
    return ", ".join(
        f"{code(_plain(item))} ({source.level.value})"
        for item, source in zip(setting.value, setting.item_sources, strict=True)
    )


def _set_by(setting: Setting) -> str:
    levels = _distinct(source.level.value for source in setting.item_sources) or [setting.source.level.value]
    return ", ".join(levels)


def _side(change: Change, value: Any, absent: ChangeKind) -> str:
    """One side of a change: a dash where the setting does not exist, "defaults" for an entry set by none."""
    if change.kind is absent:
        return "—"
    return "all defaults" if change.entry and not value else code(_plain(value))


def _plain(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_plain(item)}" for key, item in value.items()) + "}"
    return str(value)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    shown = rows[:MAX_ROWS]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in shown]
    if len(rows) > MAX_ROWS:
        lines.append(f"\n_{len(rows) - MAX_ROWS} more rows not shown._")
    return "\n".join(lines)


def _distinct(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))
