"""The combined schema of ``guard.yml``: one section per policy, merge rules, and the strict validator.

Each section's schema lives beside its policy (``policies/<policy>/settings.py``) and carries every key's
``default`` and ``description``. Arrays say how they combine across levels with ``x-merge``: ``add`` (entries
add up; a lower level can never remove one), ``keyed`` (entries identified by ``x-key`` add up, and a level
naming an existing entry changes only the keys it sets), or ``replace`` (grants such as reviewers and allowed
refs: the nearest level that sets the list wins, so a grant is always readable in one file).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from policies import patterns
from policies.branch_protection import settings as branch_protection
from policies.config import alert_feed
from policies.config.model import Level, shown
from policies.fork_secrets import settings as fork_secrets
from policies.pipeline_review import settings as pipeline_review

Schema = dict[str, Any]
Path = tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A top-level key of ``guard.yml``: its schema and whether repository files may set it."""

    name: str
    schema: Schema
    org_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("branch_protection", branch_protection.SCHEMA),
    Section("fork_secrets", fork_secrets.SCHEMA),
    Section("pipeline_review", pipeline_review.SCHEMA),
    Section("alerts", alert_feed.SCHEMA, org_only=True),
)

LOCKED_KEY = "locked"
LOCKED_SCHEMA: Schema = {
    "type": "array",
    "uniqueItems": True,
    "default": [],
    "x-items": "policy or key names",
    "items": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Organisation file only. Policies (`pipeline_review`) or dotted keys "
    "(`fork_secrets.mode`, `fork_secrets.environments.production`) that repository files "
    "cannot change; a repository file that tries is ignored for that key and raises an alert.",
}

SETTINGS_SCHEMA: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {section.name: section.schema for section in SECTIONS},
}

ORG_ONLY_KEYS = frozenset([LOCKED_KEY, *(s.name for s in SECTIONS if s.org_only)])


class Kind(enum.Enum):
    """How a schema node combines across levels."""

    OBJECT = "object"  # fixed keys, merged key by key
    MAP = "map"  # free names (environments), merged name by name
    KEYED = "keyed"  # list of objects identified by a key field
    ADD = "add"  # list whose entries add up
    VALUE = "value"  # scalar or granting list: the nearest level wins


def kind(schema: Schema) -> Kind:
    if "properties" in schema:
        return Kind.OBJECT
    if isinstance(schema.get("additionalProperties"), dict):
        return Kind.MAP
    merge = schema.get("x-merge")
    return Kind.KEYED if merge == "keyed" else Kind.ADD if merge == "add" else Kind.VALUE


def document_schema(level: Level) -> Schema:
    """The schema a file at ``level`` must satisfy."""
    if level is Level.ORG:
        properties = {**SETTINGS_SCHEMA["properties"], LOCKED_KEY: LOCKED_SCHEMA}
        return {**SETTINGS_SCHEMA, "properties": properties}
    properties = {s.name: s.schema for s in SECTIONS if not s.org_only}
    return {**SETTINGS_SCHEMA, "properties": properties}


def display(path: Iterable[str | int]) -> str:
    """``branch_protection.branches[0].pattern`` for a path; keyed segments are already ``[name]``."""
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif segment.startswith("["):
            text += segment
        else:
            text += f".{segment}" if text else segment
    return text


def child(schema: Schema, name: str) -> Schema | None:
    """The schema of key ``name`` inside an object or map schema, or None."""
    node_kind = kind(schema)
    if node_kind is Kind.OBJECT:
        found: Schema | None = schema["properties"].get(name)
        return found
    if node_kind is Kind.MAP:
        item: Schema = schema["additionalProperties"]
        return item
    return None


def lock_problem(path: str) -> str | None:
    """Why ``path`` cannot be locked, or None; locks name a section or a key reachable through mappings."""
    segments = path.split(".")
    if segments[0] in ORG_ONLY_KEYS:
        return f"{shown(segments[0])} can only be set in the organisation file, so there is nothing to lock"
    schema: Schema = SETTINGS_SCHEMA
    for depth, segment in enumerate(segments):
        where = ".".join(segments[:depth])
        if kind(schema) not in (Kind.OBJECT, Kind.MAP):
            what = "a list" if schema.get("type") == "array" else "a single value"
            return f"{shown(where)} is {what}; lock it as a whole"
        found = child(schema, segment)
        if found is None:
            names = ", ".join(name for name in schema["properties"] if name not in ORG_ONLY_KEYS)
            return f"{shown(where or 'guard.yml')} has no key {shown(segment)}; expected one of {names}"
        schema = found
    return None


_FORMATS: dict[str, Callable[[str], str | None]] = {
    "branch-pattern": patterns.branch_pattern_problem,
    "ref-pattern": patterns.ref_pattern_problem,
    "path-pattern": patterns.path_pattern_problem,
    "label-pattern": patterns.glob_problem,
    "github-login": patterns.login_problem,
    "bot-login": patterns.bot_problem,
    "team-slug": patterns.team_problem,
    "environment-name": lambda name: (
        None
        if 0 < len(name) <= 255 and name.isprintable()
        else "is not an environment name (1 to 255 printable characters)"
    ),
}


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, problem_of in _FORMATS.items():
        checker.checks(name, raises=ValueError)(_raising(problem_of))
    return checker


def _raising(problem_of: Callable[[str], str | None]) -> Callable[[object], bool]:
    def check(instance: object) -> bool:
        problem = problem_of(instance) if isinstance(instance, str) else None
        if problem:
            raise ValueError(problem)
        return True

    return check


def _is_integer(_checker: object, instance: object) -> bool:
    """Whole numbers only: YAML ``1.0`` and ``true`` are not integers here."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_StrictValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]  # untyped in the stubs
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@functools.cache
def validator(level: Level) -> Any:
    """A strict JSON Schema validator for files at ``level``."""
    return _StrictValidator(document_schema(level), format_checker=_format_checker())
