"""Hostile configuration and workflow files: whatever a repository holds, loading it ends in bounded time
and memory with a result or a clear, positioned refusal, never an exception; through the guard, a hostile
``guard.yml`` pushed to the default branch is answered with the invalid-configuration alert.

Files are built by Hypothesis from hostile parts (alias bombs, deep block and flow nesting, huge
scalars, odd encodings: UTF-16 and UTF-8 byte-order marks, Latin-1 bytes, NUL and control characters,
escaped lone surrogates, CR line ends) spliced into valid files. Memory is measured with tracemalloc.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.base import Severity
from policies.config import Level, parse
from policies.workflows import analyse
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.support.scenario import Scenario

SECONDS = 10.0  # generous: the loaders refuse these in well under a second
PEAK_BYTES = 256 * 1024 * 1024
WORKFLOW = ".github/workflows/ci.yml"
VALID_CONFIG = "fork_secrets:\n  mode: observe\npipeline_review:\n  required_approvals: 2\n"
VALID_WORKFLOW = (
    "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n        with: {ref: '${{ github.event.pull_request.head.sha }}'}\n"
    "      - run: make test\n"
)


def alias_bomb(levels: int, fanout: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['x'] * fanout)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fanout)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def block_nesting(depth: int) -> str:
    return "".join(f"{'  ' * level}k{level}:\n" for level in range(depth)) + "  " * depth + "v: 1\n"


def flow_nesting(depth: int, opener: str) -> str:
    closer = {"[": "]", "{": "}"}[opener]
    inner = "a: " if opener == "{" else ""
    return "x: " + (opener + inner) * depth + "1" + closer * depth + "\n"


HOSTILE_PARTS: st.SearchStrategy[str] = st.one_of(
    st.builds(alias_bomb, st.integers(2, 14), st.integers(2, 12)),
    st.builds(block_nesting, st.integers(10, 400)),
    st.builds(flow_nesting, st.integers(10, 5000), st.sampled_from("[{")),
    st.builds(lambda n, c: f"huge: '{c * n}'\n", st.integers(1, 2_000_000), st.sampled_from("xé\u2028\t")),
    st.builds(lambda n: "list:\n" + "  - item\n" * n, st.integers(1, 150_000)),
    st.just('odd: "\\ud800 \\udfff \\u0000 \\x07"\n'),
    st.just("tagged: !!python/object/apply:os.system [id]\n"),
    st.just("dup: 1\ndup: 2\n"),
    st.just("? [complex, key]\n: value\n"),
    st.just("---\nsecond: document\n"),
    st.text(max_size=300),
)
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda text: text.encode("utf-8", "surrogatepass"),
    "utf-8-bom": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass"),
    "utf-16": lambda text: text.encode("utf-16", "surrogatepass"),
    "utf-16-be": lambda text: text.encode("utf-16-be", "surrogatepass"),
    "latin-1": lambda text: text.encode("latin-1", "replace"),
    "nul": lambda text: text.encode("utf-8", "surrogatepass").replace(b"\n", b"\n\x00", 1),
    "cr": lambda text: text.replace("\n", "\r").encode("utf-8", "surrogatepass"),
}


@st.composite
def hostile_file(draw: st.DrawFn, valid: str) -> bytes:
    """A valid file with hostile parts spliced in at line boundaries, in one of the odd encodings."""
    lines = valid.splitlines(keepends=True)
    for part in draw(st.lists(HOSTILE_PARTS, min_size=1, max_size=3)):
        lines.insert(draw(st.integers(0, len(lines))), part)
    return ENCODINGS[draw(st.sampled_from(sorted(ENCODINGS)), label="encoding")]("".join(lines))


def bounded(work: Callable[[], Any]) -> Any:
    """Run ``work``, asserting it ends within SECONDS and allocates at most PEAK_BYTES at its peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = work()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"peak {peak / 2**20:.0f} MiB"
    return result


HOSTILE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@HOSTILE
@given(source=hostile_file(VALID_CONFIG), level=st.sampled_from([Level.ORG, Level.REPO]))
def test_a_hostile_configuration_file_is_refused_in_bounded_time_and_memory_with_positions(
    source: bytes, level: Level
) -> None:
    parsed = bounded(lambda: parse(source, file=".github/guard.yml", level=level))
    for problem in parsed.problems:
        assert str(problem).startswith(".github/guard.yml:")
        assert len(str(problem)) < 2000  # a refusal never repeats a huge value


@HOSTILE
@given(source=hostile_file(VALID_WORKFLOW))
def test_a_hostile_workflow_file_is_reported_in_bounded_time_and_memory_and_fails_closed(
    source: bytes,
) -> None:
    analysis = bounded(lambda: analyse({WORKFLOW: source}))
    if WORKFLOW in analysis.errors:
        [finding] = analysis.findings[WORKFLOW]
        assert finding.rule == "invalid-workflow"
        assert finding.severity >= Severity.HIGH  # cannot be read: treated as dangerous


@pytest.mark.parametrize(
    "source",
    [
        alias_bomb(12, 10).encode(),
        flow_nesting(100_000, "[").encode(),
        block_nesting(2000).encode(),
        ("huge: '" + "x" * 3_000_000 + "'\n").encode(),
        VALID_CONFIG.encode("utf-16"),
        b"fork_secrets:\n  mode: \xff\xfe observe\n",
    ],
    ids=["alias-bomb", "flow-nesting", "block-nesting", "huge-scalar", "utf-16", "latin-1"],
)
def test_a_hostile_guard_yml_pushed_to_the_default_branch_is_alerted_and_the_last_valid_one_kept(
    source: bytes, guard_app: Scenario, github_double: GitHubDouble
) -> None:
    github_double.add_installation("acme")
    github_double.add_repo("acme/widgets", files={".github/guard.yml": VALID_CONFIG})
    before = github_double.head("acme/widgets")
    after = github_double.put_file("acme/widgets", "main", ".github/guard.yml", source)
    delivery = guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", "refs/heads/main", before, after)
    )
    assert guard_app.delivery(delivery)["state"] == "done"
    [decision] = [d for d in guard_app.decisions(delivery) if d["policy"] == "config"]
    assert decision["summary"].endswith("is invalid; the last valid version stays in force")
    [alert] = [a for a in guard_app.alerts() if a["rule"] == "invalid-config"]
    assert ".github/guard.yml:" in alert["details"]
    assert len(alert["details"]) < 20_000
