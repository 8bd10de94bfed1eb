"""One level's configuration file as a validated ``Layer``, and the rule that a broken file changes nothing.

The engine keeps, per file, the last ``Layer`` that validated (``Layer.to_json``, ``Layer.from_json``),
keyed by the file's blob SHA. ``adopt`` decides what is in force after a new version of the file lands:
the new layer if it is valid, otherwise the previous one (or none, meaning the built-in defaults), plus
an alert.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policies import yaml_source
from policies.base import AlertSpec, Severity
from policies.config.model import Level, Problem, Source
from policies.config.schema import LOCKED_KEY, Path, display
from policies.config.validate import check

_ALERT_PROBLEMS = 20


@dataclass(frozen=True)
class Layer:
    """A valid ``guard.yml`` at one level: its settings (without ``locked``), its locks and key positions."""

    level: Level
    file: str
    data: Mapping[str, Any]
    locked: tuple[str, ...] = ()
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    sha: str | None = None

    @property
    def source(self) -> Source:
        return Source(self.level, self.file)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data for storage; ``from_json`` reads it back."""
        return {
            "level": self.level.value,
            "file": self.file,
            "data": self.data,
            "locked": list(self.locked),
            "positions": {key: list(pos) for key, pos in self.positions.items()},
            "sha": self.sha,
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> Layer:
        """A stored layer, checked again exactly like a file, so stored data never bypasses validation."""
        level = Level(stored["level"])
        document = {**stored["data"], **({LOCKED_KEY: stored["locked"]} if stored["locked"] else {})}
        problems = check(json.dumps(document), file=stored["file"], level=level).problems
        if problems:
            raise ValueError(f"stored configuration for {stored['file']} is not valid: {problems[0].message}")
        positions = {key: (int(pos[0]), int(pos[1])) for key, pos in stored["positions"].items()}
        return cls(level, stored["file"], stored["data"], tuple(stored["locked"]), positions, stored["sha"])


@dataclass(frozen=True)
class Parsed:
    """The result of reading one file: a layer when it is valid (None when absent), else the problems."""

    layer: Layer | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def parse(source: bytes | str | None, *, file: str, level: Level, sha: str | None = None) -> Parsed:
    """Read one ``guard.yml``; ``source=None`` means the file does not exist, which is valid."""
    if level is Level.DEFAULT:
        raise ValueError("built-in defaults are not read from a file")
    if source is None:
        return Parsed(None)
    checked = check(source, file=file, level=level)
    if checked.problems:
        return Parsed(None, checked.problems)
    data = dict(checked.data)
    locked = tuple(data.pop(LOCKED_KEY, ()))
    positions: dict[str, tuple[int, int]] = {}
    if checked.root is not None:
        _collect_positions(checked.root, (), positions)
    return Parsed(Layer(level, file, data, locked, positions, sha))


@dataclass(frozen=True)
class Adoption:
    """What is in force for one file after a new version of it lands, and what to tell people."""

    layer: Layer | None
    problems: tuple[Problem, ...] = ()
    alerts: tuple[AlertSpec, ...] = ()

    @property
    def adopted(self) -> bool:
        """True when the new version is now in force."""
        return not self.problems


def adopt(
    previous: Layer | None,
    source: bytes | str | None,
    *,
    file: str,
    level: Level,
    repository: str | None = None,
    sha: str | None = None,
) -> Adoption:
    """The layer in force once ``source`` lands: the new one if valid, else ``previous`` and an alert."""
    parsed = parse(source, file=file, level=level, sha=sha)
    if parsed.ok:
        return Adoption(parsed.layer)
    alert = _invalid_file_alert(parsed.problems, previous, file, repository)
    return Adoption(previous, parsed.problems, (alert,))


def _invalid_file_alert(
    problems: tuple[Problem, ...], previous: Layer | None, file: str, repository: str | None
) -> AlertSpec:
    kept = "the built-in defaults"
    if previous is not None:
        kept = f"the last valid version ({previous.sha})" if previous.sha else "the last valid version"
    listed = [str(problem) for problem in problems[:_ALERT_PROBLEMS]]
    if len(problems) > _ALERT_PROBLEMS:
        listed.append(f"... and {len(problems) - _ALERT_PROBLEMS} more")
    return AlertSpec(
        severity=Severity.MEDIUM,
        policy="config",
        rule="invalid-config",
        title=f"{file} is invalid; keeping {kept}",
        details="The new version was refused, so none of its settings apply:\n" + "\n".join(listed),
        repository=repository,
        subject=file,
    )


def _collect_positions(node: yaml_source.Mapping, path: Path, out: dict[str, tuple[int, int]]) -> None:
    for key, value in node.pairs:
        key_path = (*path, key.text)
        out[display(key_path)] = (key.line, key.column)
        if isinstance(value, yaml_source.Mapping):
            _collect_positions(value, key_path, out)
