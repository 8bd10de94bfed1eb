"""Markdown for the alert feed: who did what to which branch, the differences, and what the guard did."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from policies.branch_protection.compare import Difference


def when(timestamp: float) -> str:
    """``2026-01-02 03:04 UTC``."""
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def differences_table(differences: Iterable[Difference]) -> str:
    rows = ["| Setting | Declared | Now |", "| --- | --- | --- |"]
    rows += [f"| `{d.setting}` | {cell(d.declared)} | {cell(d.actual)} |" for d in differences]
    return "\n".join(rows)


def settings_link(web_url: str, repository: str) -> str:
    return f"[{repository}]({web_url}/{repository}/settings/branches)"


def branch_link(web_url: str, repository: str, branch: str) -> str:
    return f"[`{cell(branch)}`]({web_url}/{repository}/tree/{branch})"


def commit_link(web_url: str, repository: str, sha: str) -> str:
    return f"[`{sha[:12]}`]({web_url}/{repository}/commit/{sha})"


def actor(login: str | None, kind: str | None) -> str:
    if not login:
        return "Someone (GitHub did not say who)"
    return f"**{cell(login)}**" + (f" ({kind})" if kind and kind != "User" else "")
