"""Which run started a ``workflow_run`` run: GitHub does not say, so the guard keeps the runs it has seen.

A run started by ``workflow_run`` names the default branch's tip as its head, not its upstream's head
(nor any upstream run id), so it cannot be matched by commit. It is matched by what its workflow listens
to instead: every run the guard saw recently (``WINDOW`` seconds) of a workflow named in its
``on.workflow_run.workflows`` is a candidate upstream, and any untrusted candidate makes it untrusted. No
candidate at all is unknown ancestry, which is untrusted too. A fork can add a workflow with the same
``name:`` as a real upstream; its runs are seen and counted like the real ones, so that cannot help it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policies.fork_secrets.origin import Origin, combine_upstream
from policies.workflows.analyser import parse_file, triggers_of
from policies.workflows.model import ShapeError
from policies.yaml_source import YamlError

WINDOW = 30 * 60.0  # seconds: an upstream's last delivery to its downstream's, with delivery delays
KEPT = 500  # runs remembered per repository and window, newest kept


NAMESPACE = "fork_ancestry"


def bucket_key(repository: str, period: int) -> str:
    return f"{repository.lower()}@{period}"


def bucket(at: float) -> int:
    """Runs are kept in buckets of ``WINDOW`` seconds; a run's candidates are in its bucket and the last."""
    return int(at // WINDOW)


@dataclass(frozen=True)
class SeenRun:
    """A run the guard classified: its workflow's name, its origin, and when it was last heard of."""

    id: int
    name: str
    origin: Origin
    at: float

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "at": self.at, **self.origin.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeenRun:
        return cls(int(data["id"]), str(data["name"]), Origin.from_json(data), float(data["at"]))


def upstream_names(content: bytes | None, path: str) -> frozenset[str] | None:
    """The workflow names the file's ``workflow_run`` trigger listens to; None when that cannot be told
    (then every recently seen run is a candidate)."""
    if content is None:
        return None
    try:
        triggers = triggers_of(parse_file(path, content))
    except (YamlError, ShapeError):
        return None
    names = frozenset(name for t in triggers if t.event == "workflow_run" for name in t.workflows)
    return names or None


def upstream_origin(
    seen: Iterable[SeenRun], *, run_id: int, names: frozenset[str] | None, now: float
) -> Origin | None:
    """The combined origin of the candidate upstream runs; None when there is none (unknown ancestry)."""
    candidates = [
        s for s in seen if s.id != run_id and s.at >= now - WINDOW and (names is None or s.name in names)
    ]
    return combine_upstream(c.origin for c in candidates)


def with_run(seen: Iterable[SeenRun], run: SeenRun) -> list[SeenRun]:
    """The remembered runs with ``run`` added (or refreshed), newest last, at most ``KEPT``."""
    kept = [s for s in seen if s.id != run.id]
    return [*kept, run][-KEPT:]
