"""Markdown for check runs and alerts: text from outside shown as code, so it can never become markup."""

from __future__ import annotations

import re


def code(text: str) -> str:
    """``text`` as an inline code span that is safe inside a table cell."""
    text = re.sub(r"[\r\n]+", " ", text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")
