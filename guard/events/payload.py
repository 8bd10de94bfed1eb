"""Frozen JSON payloads and a reader whose every refusal names the field path at fault."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TypeAlias, TypeVar, Union

Json: TypeAlias = Union[bool, int, float, str, "tuple[Json, ...]", "Mapping[str, Json]", None]
"""A read-only JSON value: objects are ``MappingProxyType`` views and arrays are tuples."""

MAX_DEPTH = 64
"""Deepest nesting accepted; the deepest of the 329 @octokit example payloads nests 7 levels."""

_T = TypeVar("_T")
_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    dict: "an object",
    list: "an array",
    tuple: "an array",
    type(None): "null",
    MappingProxyType: "an object",
}


class EventError(ValueError):
    """A payload that cannot be read as its event; ``path`` names the field at fault (``""`` = whole)."""

    def __init__(self, path: str, problem: str, *, event: str | None = None) -> None:
        where = f"'{path}'" if path else "payload"
        prefix = f"{event} event: " if event else ""
        super().__init__(f"{prefix}{where} {problem}")
        self.path = path
        self.problem = problem
        self.event = event


def _describe(value: object) -> str:
    """Name a JSON value's type the way an error message should, e.g. ``an integer``."""
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


def quoted(text: str, limit: int = 80) -> str:
    """Quote a payload string for an error message, shortened so a hostile value cannot flood logs."""
    return repr(text if len(text) <= limit else f"{text[:limit]}…")


class _NotPlainJson(Exception):
    """The fast copy met something it does not handle; the careful copy will name the problem."""


def freeze_object(value: object) -> Mapping[str, Json]:
    """Return a deep read-only copy of a JSON object; anything else raises ``EventError``."""
    if not isinstance(value, Mapping):
        raise EventError("", f"is {_describe(value)}, expected a JSON object")
    try:
        frozen = _fast_freeze(value, 0)
    except _NotPlainJson:
        return _freeze_object(value, "", 0)
    assert isinstance(frozen, Mapping)
    return frozen


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _fast_freeze(value: object, depth: int) -> Json:
    """The common case, ``json.loads`` output, copied without tracking paths (they only serve errors).

    Scalars (most of a payload) are taken as they are without a call of their own.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value  # type: ignore[return-value]
    if depth >= MAX_DEPTH:
        raise _NotPlainJson
    inner = depth + 1
    if kind is dict:
        items: dict[str, Json] = {}
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                raise _NotPlainJson
            items[key] = item if type(item) in _SCALARS else _fast_freeze(item, inner)
        return MappingProxyType(items)
    if kind is list:
        return tuple([item if type(item) in _SCALARS else _fast_freeze(item, inner) for item in value])  # type: ignore[attr-defined]
    raise _NotPlainJson


def _freeze(value: object, path: str, depth: int) -> Json:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth >= MAX_DEPTH:
        raise EventError(path, f"is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        return _freeze_object(value, path, depth)
    if isinstance(value, list | tuple):
        return tuple(_freeze(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))
    raise EventError(path, f"is {_describe(value)}, which is not a JSON value")


def _freeze_object(value: Mapping[object, object], path: str, depth: int) -> Mapping[str, Json]:
    items: dict[str, Json] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise EventError(path, f"has a key that is {_describe(key)}, not a string")
        items[key] = _freeze(item, _join(path, key), depth + 1)
    return MappingProxyType(items)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass(frozen=True, slots=True)
class Node:
    """A JSON object inside a payload made by ``freeze_object``, read field by field with typed accessors.

    Required accessors raise ``EventError`` when the field is missing, null or of another type;
    ``opt_`` accessors return ``None`` (or an empty tuple) for a missing or null field but still
    refuse a present value of the wrong type.
    """

    data: Mapping[str, Json]
    path: str = ""

    def at(self, key: str) -> str:
        """The path of a field of this object."""
        return _join(self.path, key)

    def _optional(self, key: str, kind: type[_T], expected: str) -> _T | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool):
            return value
        raise EventError(self.at(key), f"is {_describe(value)}, expected {expected}")

    def _required(self, key: str, kind: type[_T], expected: str) -> _T:
        found = self._optional(key, kind, expected)
        if found is None:
            problem = "is missing" if key not in self.data else f"is null, expected {expected}"
            raise EventError(self.at(key), problem)
        return found

    def text(self, key: str) -> str:
        return self._required(key, str, "a string")

    def opt_text(self, key: str) -> str | None:
        return self._optional(key, str, "a string")

    def integer(self, key: str) -> int:
        return self._required(key, int, "an integer")

    def opt_integer(self, key: str) -> int | None:
        return self._optional(key, int, "an integer")

    def flag(self, key: str) -> bool:
        return self._required(key, bool, "a boolean")

    def opt_flag(self, key: str) -> bool | None:
        return self._optional(key, bool, "a boolean")

    def child(self, key: str) -> Node:
        return Node(self._required(key, MappingProxyType, "an object"), self.at(key))

    def opt_child(self, key: str) -> Node | None:
        found = self._optional(key, MappingProxyType, "an object")
        return None if found is None else Node(found, self.at(key))

    def _array(self, key: str, required: bool) -> tuple[Json, ...]:
        if required:
            return self._required(key, tuple, "an array")
        return self._optional(key, tuple, "an array") or ()

    def children(self, key: str, *, required: bool = True) -> tuple[Node, ...]:
        """The objects of an array field; a missing optional array reads as empty."""
        nodes = []
        for index, item in enumerate(self._array(key, required)):
            where = f"{self.at(key)}[{index}]"
            if not isinstance(item, Mapping):
                raise EventError(where, f"is {_describe(item)}, expected an object")
            nodes.append(Node(item, where))
        return tuple(nodes)

    def each(self, key: str, parse: Callable[[Node], _T], *, required: bool = True) -> tuple[_T, ...]:
        """Parse every object of an array field with ``parse``; a missing optional array reads as empty."""
        return tuple(parse(item) for item in self.children(key, required=required))

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """The strings of an array field; a missing optional array reads as empty."""
        items = self._array(key, required)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise EventError(f"{self.at(key)}[{index}]", f"is {_describe(item)}, expected a string")
        return items  # type: ignore[return-value]  # a tuple of strings, as just checked

    def text_map(self, key: str) -> Mapping[str, str]:
        """An optional object whose values are all strings, such as App permissions."""
        found = self.opt_child(key)
        if found is None:
            return MappingProxyType({})
        return MappingProxyType({name: found.text(name) for name in found.data})

    def time(self, key: str) -> datetime | None:
        """An optional ISO 8601 timestamp with a time zone, such as ``2019-05-15T15:20:38Z``."""
        text = self.opt_text(key)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            problem = f"is {quoted(text)}, expected an ISO 8601 timestamp with a time zone"
            raise EventError(self.at(key), problem)
        return moment

    def value(self, key: str) -> Json:
        """A field as frozen JSON, for parts whose shape GitHub leaves open."""
        return self.data.get(key)

    def read(self, key: str, parse: Callable[[Node], _T]) -> _T:
        """Parse a required object field with ``parse``."""
        return parse(self.child(key))

    def opt_read(self, key: str, parse: Callable[[Node], _T]) -> _T | None:
        """Parse an optional object field with ``parse``; missing or null reads as ``None``."""
        found = self.opt_child(key)
        return None if found is None else parse(found)
