"""Settings of the alert feed: who may read it. Organisation file only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.patterns import MAX_ENTRIES

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "The alert feed web page. Only the organisation's `guard.yml` may set this section, so a "
    "repository cannot grant anyone access to the organisation's alerts.",
    "properties": {
        "readers": {
            "type": "array",
            "x-merge": "replace",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": [],
            "items": {"type": "string", "format": "team-slug"},
            "description": "Team slugs whose members may read the alert feed. Organisation owners always "
            "may.",
        },
    },
}


@dataclass(frozen=True)
class AlertSettings:
    readers: tuple[str, ...]


def from_data(data: Mapping[str, Any]) -> AlertSettings:
    """Typed settings from merged, validated data (every key present)."""
    return AlertSettings(readers=tuple(data["readers"]))
