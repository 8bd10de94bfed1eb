"""The effective configuration of a repository: defaults < organisation < repository, typed for policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policies.base import AlertSpec, Severity
from policies.branch_protection import settings as branch_protection
from policies.config import alert_feed
from policies.config.layers import Layer
from policies.config.merge import Provenance, fill_defaults, merge_value, schema_at, split_locked, value_at
from policies.config.model import DEFAULTS, Level, Source
from policies.config.schema import LOCKED_KEY, SETTINGS_SCHEMA, Kind, Path, Schema, display, kind
from policies.fork_secrets import settings as fork_secrets
from policies.pipeline_review import settings as pipeline_review


@dataclass(frozen=True)
class Setting:
    """One effective value and where it came from; an adding list also names the source of each entry."""

    path: str
    value: Any
    source: Source
    item_sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class EffectiveConfig:
    """What policies read: one typed section per policy, plus every value with its source.

    ``entries`` names the level that created each branch rule, status check and environment.
    """

    branch_protection: branch_protection.BranchProtectionSettings
    fork_secrets: fork_secrets.ForkSecretsSettings
    pipeline_review: pipeline_review.PipelineReviewSettings
    alerts: alert_feed.AlertSettings
    locked: tuple[str, ...]
    settings: tuple[Setting, ...]
    entries: Mapping[str, Source]

    def setting(self, path: str) -> Setting:
        """The setting at a display path such as ``branch_protection.branches[~default].strict``."""
        found = next((s for s in self.settings if s.path == path), None)
        if found is None:
            raise KeyError(f"no setting {path!r}")
        return found


@dataclass(frozen=True)
class IgnoredSetting:
    """A key a repository file set although the organisation locked it; its value was not used."""

    key: str
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}:{self.column}: {self.key} is locked by the organisation; "
            "the repository's value is ignored"
        )


@dataclass(frozen=True)
class Resolution:
    """An effective configuration, the locked keys a repository file tried to change, and their alerts."""

    config: EffectiveConfig
    ignored: tuple[IgnoredSetting, ...] = ()
    alerts: tuple[AlertSpec, ...] = ()


def resolve(
    org: Layer | None = None, repo: Layer | None = None, *, repository: str | None = None
) -> Resolution:
    """Layer the built-in defaults, the organisation file and the repository file."""
    if (org and org.level is not Level.ORG) or (repo and repo.level is not Level.REPO):
        raise ValueError("resolve() takes an organisation layer and a repository layer, in that order")
    provenance: Provenance = {}
    data = fill_defaults(SETTINGS_SCHEMA, (), provenance)
    locked = org.locked if org else ()
    if org is not None:
        data = merge_value(data, org.data, SETTINGS_SCHEMA, (), source=org.source, provenance=provenance)
    ignored: tuple[IgnoredSetting, ...] = ()
    if repo is not None:
        kept, removed = split_locked(dict(repo.data), locked)
        data = merge_value(data, kept, SETTINGS_SCHEMA, (), source=repo.source, provenance=provenance)
        ignored = tuple(item for path, value in removed for item in _ignored(data, repo, path, value))
    config = _effective(data, provenance, locked, org.source if org and locked else DEFAULTS)
    return Resolution(config, ignored, tuple(_locked_alert(item, repository) for item in ignored))


def defaults() -> EffectiveConfig:
    """The configuration in force when neither the organisation nor the repository has a ``guard.yml``."""
    return resolve().config


def _effective(
    data: dict[str, Any], provenance: Provenance, locked: tuple[str, ...], locked_source: Source
) -> EffectiveConfig:
    entries: dict[str, Source] = {}
    rows = (
        *_rows(data, SETTINGS_SCHEMA, (), provenance, entries),
        Setting(LOCKED_KEY, list(locked), locked_source),
    )
    return EffectiveConfig(
        branch_protection=branch_protection.from_data(data["branch_protection"]),
        fork_secrets=fork_secrets.from_data(data["fork_secrets"]),
        pipeline_review=pipeline_review.from_data(data["pipeline_review"]),
        alerts=alert_feed.from_data(data["alerts"]),
        locked=locked,
        settings=rows,
        entries=entries,
    )


def _rows(
    value: Any, schema: Schema, path: Path, provenance: Provenance, entries: dict[str, Source]
) -> Iterator[Setting]:
    node_kind = kind(schema)
    if node_kind is Kind.OBJECT:
        for name, sub in schema["properties"].items():
            if name in value:
                yield from _rows(value[name], sub, (*path, name), provenance, entries)
        return
    if node_kind in (Kind.MAP, Kind.KEYED) and value:
        yield from _entry_rows(value, schema, path, provenance, entries)
        return
    items = tuple(provenance[(*path, f"[{item}]")] for item in value) if node_kind is Kind.ADD else ()
    yield Setting(display(path), value, provenance[path], items)


def _entry_rows(
    value: Any, schema: Schema, path: Path, provenance: Provenance, entries: dict[str, Source]
) -> Iterator[Setting]:
    """Rows of each rule or environment; ``entries`` records the level that created each one."""
    if kind(schema) is Kind.MAP:
        named = [((*path, name), item) for name, item in value.items()]
        item_schema = schema["additionalProperties"]
    else:
        key, item_schema = schema["x-key"], schema["items"]
        named = [((*path, f"[{item[key]}]"), item) for item in value]
        fields = {name: sub for name, sub in item_schema["properties"].items() if name != key}
        item_schema = {**item_schema, "properties": fields}
    for entry_path, item in named:
        entries[display(entry_path)] = provenance[entry_path]
        yield from _rows(item, item_schema, entry_path, provenance, entries)


def _ignored(data: dict[str, Any], repo: Layer, path: Path, value: Any) -> Iterator[IgnoredSetting]:
    """The keys under the locked ``path`` whose repository value would have changed the configuration."""
    schema, current = schema_at(SETTINGS_SCHEMA, path), value_at(data, path)
    if isinstance(value, dict) and current is not None and kind(schema) in (Kind.OBJECT, Kind.MAP):
        for name, sub_value in value.items():
            yield from _ignored(data, repo, (*path, name), sub_value)
        return
    if merge_value(current, value, schema, path, source=repo.source, provenance={}) != current:
        key = display(path)
        line, column = repo.positions.get(key, (1, 1))
        yield IgnoredSetting(key, repo.file, line, column)


def _locked_alert(item: IgnoredSetting, repository: str | None) -> AlertSpec:
    return AlertSpec(
        severity=Severity.MEDIUM,
        policy="config",
        rule="locked-setting-changed",
        title=f"{item.file} tries to change {item.key}, which the organisation locks",
        details=f"{item}. The organisation's value stays in force.",
        repository=repository,
        subject=f"{item.file}:{item.key}",
    )
