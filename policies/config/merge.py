"""Layering plain settings data level over level, recording which level set each value.

Provenance is keyed by path tuples; an entry of a keyed list (a branch rule) or of an adding list (a pipeline
path) is the segment ``[name]``, so ``("pipeline_review", "paths", "[scripts/**]")`` is where that path
came from.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from policies.config.model import DEFAULTS, Source
from policies.config.schema import Kind, Path, Schema, child, kind

Provenance = dict[Path, Source]
Removed = list[tuple[Path, Any]]
_MISSING = object()


def fill_defaults(schema: Schema, path: Path, provenance: Provenance) -> Any:
    """The built-in default of a schema node, with every key filled in and attributed to the defaults."""
    return Layering(DEFAULTS, provenance).defaults(schema, path)


def merge_value(
    base: Any, over: Any, schema: Schema, path: Path, *, source: Source, provenance: Provenance
) -> Any:
    """``over`` (from ``source``) layered on ``base``; neither argument is modified."""
    return Layering(source, provenance).merge(base, over, schema, path)


@dataclass(frozen=True)
class Layering:
    """Merges one level's data, recording ``source`` for every value it sets."""

    source: Source
    provenance: Provenance

    def defaults(self, schema: Schema, path: Path) -> Any:
        node_kind = kind(schema)
        if node_kind is Kind.OBJECT:
            return {
                name: self.defaults(sub, (*path, name))
                for name, sub in schema["properties"].items()
                if "default" in sub or kind(sub) is Kind.OBJECT
            }
        self.provenance[path] = DEFAULTS
        if node_kind is Kind.VALUE:
            return copy.deepcopy(schema["default"])
        empty: Any = {} if node_kind is Kind.MAP else []
        return Layering(DEFAULTS, self.provenance).merge(empty, schema["default"], schema, path)

    def merge(self, base: Any, over: Any, schema: Schema, path: Path) -> Any:
        node_kind = kind(schema)
        if node_kind is Kind.OBJECT:
            result = dict(base or {})
            for key, value in over.items():
                result[key] = self.merge(result.get(key), value, schema["properties"][key], (*path, key))
            return result
        if node_kind is Kind.VALUE:
            self.provenance[path] = self.source
            return copy.deepcopy(over)
        if over:
            self.provenance[path] = self.source
        if node_kind is Kind.MAP:
            return self._map(base, over, schema["additionalProperties"], path)
        if node_kind is Kind.KEYED:
            return self._keyed(base, over, schema, path)
        return self._added(base, over, path)

    def _map(self, base: Any, over: dict[str, Any], item_schema: Schema, path: Path) -> dict[str, Any]:
        result = dict(base or {})
        for name, value in over.items():
            item_path = (*path, name)
            if name not in result:
                self.provenance[item_path] = self.source
                result[name] = self.defaults(item_schema, item_path)
            result[name] = self.merge(result[name], value, item_schema, item_path)
        return result

    def _keyed(self, base: Any, over: list[Any], schema: Schema, path: Path) -> list[Any]:
        key, item_schema = schema["x-key"], schema["items"]
        result = {item[key]: item for item in base or []}
        for value in over:
            name, item_path = value[key], (*path, f"[{value[key]}]")
            if name not in result:
                self.provenance[item_path] = self.source
                result[name] = self.defaults(item_schema, item_path)
            result[name] = self.merge(result[name], value, item_schema, item_path)
        return list(result.values())

    def _added(self, base: Any, over: list[Any], path: Path) -> list[Any]:
        result = list(base or [])
        seen = set(result)
        for item in over:
            if item not in seen:
                seen.add(item)
                result.append(item)
                self.provenance[(*path, f"[{item}]")] = self.source
        return result


def split_locked(data: dict[str, Any], locked: tuple[str, ...]) -> tuple[dict[str, Any], Removed]:
    """``data`` without the locked keys, and the locked values it tried to set (broadest lock first)."""
    kept = copy.deepcopy(data)
    removed: Removed = []
    for entry in sorted(locked, key=lambda lock: lock.count(".")):
        path = tuple(entry.split("."))
        value = _pop(kept, path)
        if value is not _MISSING:
            removed.append((path, value))
    return kept, removed


def value_at(data: Any, path: Path) -> Any:
    """The value at a path through mappings, or None."""
    for segment in path:
        if not isinstance(data, dict) or segment not in data:
            return None
        data = data[segment]
    return data


def schema_at(schema: Schema, path: Path) -> Schema:
    """The schema of a path through mappings (the path is a validated lock)."""
    for segment in path:
        found = child(schema, segment)
        assert found is not None, path
        schema = found
    return schema


def _pop(data: dict[str, Any], path: Path) -> Any:
    parent = value_at(data, path[:-1])
    if not isinstance(parent, dict) or path[-1] not in parent:
        return _MISSING
    return parent.pop(path[-1])
