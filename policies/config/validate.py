"""Strict checking of one ``guard.yml``: YAML, schema and cross-entry errors, each at a line and column."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from jsonschema.exceptions import ValidationError

from policies.config.model import Level, Problem, shown
from policies.config.schema import (
    LOCKED_KEY,
    ORG_ONLY_KEYS,
    SETTINGS_SCHEMA,
    Kind,
    Schema,
    child,
    display,
    kind,
    lock_problem,
    validator,
)
from policies.yaml_source import Mapping, Node, Sequence, YamlError, load, to_python

_DECISIVE = frozenset({"type", "maxLength"})  # other errors about the same value add nothing
_MESSAGE_LIMIT = 500
MAX_PROBLEMS = 1000  # per file: enough to fix, and bounds the work a hostile file can cause
_TYPE_WORDS = {
    "boolean": "true or false",
    "integer": "a whole number",
    "string": "a string",
    "array": "a list",
    "object": "a mapping of keys",
    "null": "nothing",
}


@dataclass(frozen=True)
class Checked:
    """A checked file: its top mapping (None when empty or unreadable), plain data, and problems."""

    root: Mapping | None
    data: dict[str, Any]
    problems: tuple[Problem, ...]


def check(source: bytes | str, *, file: str, level: Level) -> Checked:
    """Load and validate one file; every problem found is reported, sorted by position."""
    try:
        root = load(source, path=file)
    except YamlError as exc:
        return Checked(None, {}, (Problem(file, exc.line, exc.column, exc.message),))
    if root is None:
        return Checked(None, {}, ())
    if not isinstance(root, Mapping):
        found = _describe(to_python(root))
        message = f"guard.yml must be a mapping of settings such as 'branch_protection:', not {found}"
        return Checked(None, {}, (Problem(file, root.line, root.column, message),))
    data = to_python(root)
    assert isinstance(data, dict)
    problems = {*_schema_problems(data, root, file, level), *_duplicate_entries(data, root, file)}
    if level is Level.ORG:
        problems.update(_lock_problems(data, root, file))
    listed = [replace(problem, message=_clip(problem.message)) for problem in sorted(problems)[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        listed.append(
            Problem(
                file,
                listed[-1].line,
                listed[-1].column,
                f"stopped after {MAX_PROBLEMS} errors; fix these and check again",
            )
        )
    return Checked(root, data, tuple(listed))


def _schema_problems(data: dict[str, Any], root: Mapping, file: str, level: Level) -> Iterator[Problem]:
    errors = list(itertools.islice(validator(level).iter_errors(data), MAX_PROBLEMS + 1))
    decisive = {tuple(error.absolute_path) for error in errors if error.validator in _DECISIVE}
    for error in errors:
        if error.validator in _DECISIVE or tuple(error.absolute_path) not in decisive:
            yield from _explain(error, root, file, level)


def _explain(error: ValidationError, root: Mapping, file: str, level: Level) -> Iterator[Problem]:
    path = list(error.absolute_path)
    node, where = _node_at(root, path), display(path)
    if error.validator == "additionalProperties":
        yield from _unknown_keys(error, node, file, level, where)
        return
    message = _message(error)
    if isinstance(node, Mapping) and isinstance(error.instance, str) and error.instance in node:
        node = node.key_node(error.instance) or node  # a propertyNames error is about a key, not a value
        message = f"key {message}"
    yield Problem(file, node.line, node.column, f"{where}: {message}" if where else message)


def _unknown_keys(
    error: ValidationError, node: Node, file: str, level: Level, where: str
) -> Iterator[Problem]:
    schema: Any = error.schema
    known = list(schema["properties"])
    assert isinstance(node, Mapping)
    for key in node.keys():  # noqa: SIM118 -- yaml_source.Mapping is not iterable
        if key in known:
            continue
        position = node.key_node(key) or node
        yield Problem(file, position.line, position.column, _unknown_key_message(key, known, where, level))


def _unknown_key_message(key: str, known: list[str], where: str, level: Level) -> str:
    if not where and level is Level.REPO and key in ORG_ONLY_KEYS:
        return f"{key!r} is only allowed in the organisation's guard.yml (the root of its .github repository)"
    text = f"unknown key {shown(key)}" + (f" in {where}" if where else "")
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"{text} (did you mean {close[0]!r}?)" if close else f"{text}; expected one of {', '.join(known)}"


def _message(error: ValidationError) -> str:
    value: Any = error.validator_value
    instance: Any = error.instance
    explain = _EXPLAIN.get(str(error.validator))
    return explain(value, instance, error) if explain else str(error.message)


def _wrong_type(expected: str | list[str], instance: Any, _error: ValidationError) -> str:
    words = " or ".join(_TYPE_WORDS[name] for name in ([expected] if isinstance(expected, str) else expected))
    return f"expected {words}, got {_describe(instance)}"


def _not_in_enum(allowed: list[Any], instance: Any, _error: ValidationError) -> str:
    close = difflib.get_close_matches(str(instance), [str(v) for v in allowed], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{shown(instance)} is not one of {', '.join(str(v) for v in allowed)}{hint}"


def _missing(required: list[str], instance: Any, _error: ValidationError) -> str:
    return f"missing required key {shown(next(key for key in required if key not in instance))}"


_EXPLAIN: dict[str, Callable[[Any, Any, ValidationError], str]] = {
    "type": _wrong_type,
    "enum": _not_in_enum,
    "required": _missing,
    "format": lambda _value, instance, error: f"{shown(instance)} {error.cause}",
    "minimum": lambda value, instance, _error: f"{instance} is less than the minimum, {value}",
    "maximum": lambda value, instance, _error: f"{instance} is more than the maximum, {value}",
    "minLength": lambda _value, _instance, _error: "must not be empty",
    "maxLength": lambda value, _instance, _error: f"is longer than {value} characters",
    "uniqueItems": lambda _value, instance, _error: f"{shown(_first_repeat(instance))} is listed twice",
    "maxItems": lambda value, instance, _error: _too_many(value, instance),
    "maxProperties": lambda value, instance, _error: _too_many(value, instance),
}


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"the string {shown(value)}"
    if isinstance(value, int | float):
        return f"the number {shown(value)}"
    if value is None:
        return "an empty value"
    return "a list" if isinstance(value, list) else "a mapping"


def _clip(message: str) -> str:
    return message if len(message) <= _MESSAGE_LIMIT else message[:_MESSAGE_LIMIT] + "…"


def _too_many(limit: int, instance: Any) -> str:
    return f"has {len(instance)} entries; at most {limit} are allowed"


def _first_repeat(items: list[Any]) -> Any:
    seen: set[str] = set()
    for item in items:
        key = repr(item)
        if key in seen:
            return item
        seen.add(key)
    return None


def _duplicate_entries(data: Any, root: Node, file: str) -> Iterator[Problem]:
    """Two entries of one keyed list (e.g. two rules for one branch pattern) in the same file."""
    for path, key_field, items in _keyed_lists(data, SETTINGS_SCHEMA, []):
        seen: dict[object, int] = {}
        for index, item in enumerate(items):
            if not isinstance(item, dict) or key_field not in item:
                continue
            value = item[key_field]
            node = _node_at(root, [*path, index, key_field])
            if value in seen:
                message = (
                    f"{display([*path, index])}: {key_field} {shown(value)} already has an entry at "
                    f"line {seen[value]}; merge the two"
                )
                yield Problem(file, node.line, node.column, message)
            seen.setdefault(value, node.line)


def _keyed_lists(
    data: Any, schema: Schema, path: list[str | int]
) -> Iterator[tuple[list[str | int], str, Any]]:
    node_kind = kind(schema)
    if node_kind is Kind.KEYED and isinstance(data, list):
        yield path, schema["x-key"], data
        for index, item in enumerate(data):
            yield from _keyed_lists(item, schema["items"], [*path, index])
    elif node_kind in (Kind.OBJECT, Kind.MAP) and isinstance(data, dict):
        for key, value in data.items():
            sub = child(schema, key)
            if sub is not None:
                yield from _keyed_lists(value, sub, [*path, key])


def _lock_problems(data: dict[str, Any], root: Node, file: str) -> Iterator[Problem]:
    entries = data.get(LOCKED_KEY)
    if not isinstance(entries, list):
        return
    for index, entry in enumerate(entries):
        problem = lock_problem(entry) if isinstance(entry, str) and entry else None
        if problem:
            node = _node_at(root, [LOCKED_KEY, index])
            message = f"{LOCKED_KEY}[{index}]: cannot lock {shown(entry)}: {problem}"
            yield Problem(file, node.line, node.column, message)


def _node_at(root: Node, path: list[str | int]) -> Node:
    """The node at ``path``, or the deepest one that exists on the way."""
    node = root
    for segment in path:
        if isinstance(node, Mapping) and isinstance(segment, str) and segment in node:
            found = node.get(segment)
        elif isinstance(node, Sequence) and isinstance(segment, int) and segment < len(node):
            found = node.items[segment]
        else:
            return node
        if found is None:
            return node
        node = found
    return node
