"""What a proposed ``guard.yml`` would do, for the check run on a pull request that changes it.

Nothing here applies anything: the proposed file is judged against the layers in force today, and the
engine adopts a file only when it lands on the default branch.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.config.diff import Change, diff
from policies.config.effective import Resolution, resolve
from policies.config.layers import Layer, parse
from policies.config.model import Level, Problem


@dataclass(frozen=True)
class Preview:
    """The proposed file's problems, or the configuration it would produce next to today's."""

    file: str
    level: Level
    problems: tuple[Problem, ...]
    current: Resolution
    proposed: Resolution | None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> tuple[Change, ...]:
        return diff(self.current.config, self.proposed.config) if self.proposed else ()


def preview(
    source: bytes | str | None,
    *,
    file: str,
    level: Level,
    org: Layer | None,
    repo: Layer | None,
    repository: str | None = None,
) -> Preview:
    """Judge ``source`` (None: the file is deleted) as the ``level`` file, given the layers in force.

    An organisation file is shown with no repository layer: the configuration every repository inherits.
    """
    parsed = parse(source, file=file, level=level)
    if level is Level.ORG:
        current = resolve(org, None, repository=repository)
        proposed = resolve(parsed.layer, None, repository=repository) if parsed.ok else None
    else:
        current = resolve(org, repo, repository=repository)
        proposed = resolve(org, parsed.layer, repository=repository) if parsed.ok else None
    return Preview(file, level, parsed.problems, current, proposed)
