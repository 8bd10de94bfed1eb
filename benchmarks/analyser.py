"""Accuracy and speed of the workflow analyser, and of zizmor, on the labelled workflow corpus.

Usage: python benchmarks/analyser.py [--corpus ../shared/corpus] [--copies 10] [--repeat 5]

A file counts as flagged by Pipeline Guard when it has an unsuppressed critical or high finding, and by
zizmor when it has a High finding from one of its fork-related audits (``ZIZMOR_FORK_AUDITS``; the
corpus README scores zizmor the same way). Files labelled ``unsure`` are left out of recall and
precision. zizmor is installed at a pinned version into ``benchmarks/.zizmor-venv`` and run with
``--offline``; it is never a runtime dependency. Speed is measured on the same files for both tools,
end to end as a user runs them (one process over a directory holding the corpus ``--copies`` times),
the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policies.base import Severity
from policies.workflows import analyse

ZIZMOR_VERSION = "1.32.0"
ZIZMOR_VENV = ROOT / "benchmarks" / ".zizmor-venv"
ZIZMOR_FORK_AUDITS = frozenset(
    {
        "dangerous-triggers",
        "template-injection",
        "github-env",
        "self-hosted-runner",
        "artipacked",
        "cache-poisoning",
        "excessive-permissions",
        "overprovisioned-secrets",
        "secrets-inherit",
        "secrets-outside-env",
    }
)


@dataclass(frozen=True)
class Sample:
    id: str
    label: str
    cls: str
    content: bytes


@dataclass(frozen=True)
class Results:
    """Which files each tool flagged, which zizmor could not load, and the measured speeds."""

    samples: list[Sample]
    guard: set[str]
    zizmor: set[str]
    zizmor_no_dt: set[str]
    unloadable: set[str]
    speeds: Mapping[str, float]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    samples = load_corpus(args.corpus)
    guard = guard_flagged(samples)
    zizmor_bin = ensure_zizmor()
    with tempfile.TemporaryDirectory() as scratch:
        findings, unloadable = run_zizmor_for_accuracy(zizmor_bin, samples, Path(scratch))
    zizmor = zizmor_flagged(findings, ZIZMOR_FORK_AUDITS)
    zizmor_no_dt = zizmor_flagged(findings, ZIZMOR_FORK_AUDITS - {"dangerous-triggers"})
    speed_set = [s for s in samples if s.id not in unloadable]
    speeds = measure_speed(zizmor_bin, speed_set, args.copies, args.repeat)
    print(report(Results(samples, guard, zizmor, zizmor_no_dt, unloadable, speeds), args))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=10, help="corpus copies in the speed run (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per tool (default 5)")
    return parser.parse_args(argv)


def load_corpus(corpus: Path) -> list[Sample]:
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines() if line.strip()]
    return [
        Sample(r["id"], r["label"], r["class"], (corpus / "files" / f"{r['id']}.yml").read_bytes())
        for r in rows
    ]


def guard_flagged(samples: Iterable[Sample]) -> set[str]:
    """Ids whose workflow has an unsuppressed critical or high finding (each file as its own repository)."""
    flagged = set()
    for sample in samples:
        analysis = analyse({f".github/workflows/{sample.id}.yml": sample.content})
        if analysis.blocking(Severity.HIGH):
            flagged.add(sample.id)
    return flagged


def ensure_zizmor() -> Path:
    binary = ZIZMOR_VENV / "bin" / "zizmor"
    if binary.exists() and ZIZMOR_VERSION in _run([str(binary), "--version"]).stdout:
        return binary
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(ZIZMOR_VENV)], check=True)
    subprocess.run(
        [str(ZIZMOR_VENV / "bin" / "pip"), "install", "--quiet", f"zizmor=={ZIZMOR_VERSION}"], check=True
    )
    return binary


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)


def _repository(directory: Path, samples: Iterable[Sample], copies: int = 1) -> Path:
    workflows = directory / ".github" / "workflows"
    if workflows.exists():
        shutil.rmtree(workflows)
    workflows.mkdir(parents=True)
    for copy in range(copies):
        for sample in samples:
            name = f"{sample.id}.yml" if copies == 1 else f"c{copy}-{sample.id}.yml"
            (workflows / name).write_bytes(sample.content)
    return directory


def run_zizmor_for_accuracy(
    binary: Path, samples: list[Sample], scratch: Path
) -> tuple[list[dict[str, Any]], set[str]]:
    """zizmor's findings over the corpus; files it refuses to load are dropped (and counted unflagged)."""
    unloadable: set[str] = set()
    while True:
        remaining = [s for s in samples if s.id not in unloadable]
        repo = _repository(scratch, remaining)
        result = _run([str(binary), "--offline", "--no-progress", "--format", "json", "."], cwd=repo)
        failed = _unloadable(result.stderr)
        if failed is None:
            return json.loads(result.stdout or "[]"), unloadable
        unloadable.add(failed)


def _unloadable(stderr: str) -> str | None:
    marker = "failed to load file://./.github/workflows/"
    if marker not in stderr:
        return None
    return stderr.split(marker, 1)[1].split(".yml", 1)[0]


def zizmor_flagged(findings: list[dict[str, Any]], audits: frozenset[str]) -> set[str]:
    flagged = set()
    for finding in findings:
        if finding["determinations"]["severity"] != "High" or finding["ident"] not in audits:
            continue
        for location in finding["locations"]:
            path = location["symbolic"]["key"]["Local"]["verbatim_path"]
            flagged.add(Path(path).stem)
    return flagged


def measure_speed(binary: Path, samples: list[Sample], copies: int, repeat: int) -> Mapping[str, float]:
    """Files per second for each tool over the same directory, end to end, median of ``repeat`` runs."""
    with tempfile.TemporaryDirectory() as scratch:
        repo = _repository(Path(scratch), samples, copies)
        count = len(samples) * copies
        guard_command = [sys.executable, "-m", "guard", "scan", str(repo), "--format", "json"]
        zizmor_command = [str(binary), "--offline", "--no-progress", "--format", "json", str(repo)]
        guard_seconds, zizmor_seconds = _median_seconds((guard_command, zizmor_command), repeat)
        timings = {"Pipeline Guard (guard scan)": guard_seconds, f"zizmor {ZIZMOR_VERSION}": zizmor_seconds}
        started = time.perf_counter()
        analyse({f".github/workflows/{i}-{s.id}.yml": s.content for i in range(copies) for s in samples})
        in_process = time.perf_counter() - started
    speeds = {name: count / seconds for name, seconds in timings.items()}
    speeds["Pipeline Guard analyse() in-process"] = count / in_process
    return {"files": float(count), **speeds}


def _median_seconds(commands: tuple[list[str], list[str]], repeat: int) -> tuple[float, float]:
    """Median wall time of each command; runs alternate so background load affects both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for command, record in zip(commands, times, strict=True):
            started = time.perf_counter()
            _run(command, cwd=ROOT)
            record.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def scores(samples: list[Sample], flagged: set[str]) -> tuple[float, float, int, int, int]:
    labelled = [s for s in samples if s.label in ("dangerous", "safe")]
    tp = sum(1 for s in labelled if s.label == "dangerous" and s.id in flagged)
    fp = sum(1 for s in labelled if s.label == "safe" and s.id in flagged)
    fn = sum(1 for s in labelled if s.label == "dangerous" and s.id not in flagged)
    return tp / max(tp + fn, 1), tp / max(tp + fp, 1), tp, fp, fn


def report(results: Results, args: argparse.Namespace) -> str:
    """Markdown tables: overall scores, flags per corpus class, speed, and the misses by name."""
    samples, guard, zizmor = results.samples, results.guard, results.zizmor
    lines = ["| tool | recall | precision | TP | FP | FN |", "|---|---|---|---|---|---|"]
    for name, flagged in (
        ("Pipeline Guard", guard),
        (f"zizmor {ZIZMOR_VERSION}", zizmor),
        (f"zizmor {ZIZMOR_VERSION} without dangerous-triggers", results.zizmor_no_dt),
    ):
        recall, precision, tp, fp, fn = scores(samples, flagged)
        lines.append(f"| {name} | {recall:.2f} | {precision:.2f} | {tp} | {fp} | {fn} |")
    lines += [
        "",
        "| label | class | files | Pipeline Guard flagged | zizmor flagged |",
        "|---|---|---|---|---|",
    ]
    for (label, cls), group in sorted(_by_class(samples).items()):
        ids = {s.id for s in group}
        lines.append(f"| {label} | {cls} | {len(ids)} | {len(ids & guard)} | {len(ids & zizmor)} |")
    files = int(results.speeds["files"])
    lines += ["", f"Speed over {files} files (corpus x{args.copies}, median of {args.repeat} runs):", ""]
    lines += ["| tool | files/s |", "|---|---|"]
    lines += [f"| {name} | {value:.0f} |" for name, value in results.speeds.items() if name != "files"]
    unloadable = ", ".join(sorted(results.unloadable)) or "none"
    lines += ["", _misses(samples, guard), f"zizmor could not load: {unloadable}"]
    return "\n".join(lines)


def _by_class(samples: list[Sample]) -> dict[tuple[str, str], list[Sample]]:
    groups: dict[tuple[str, str], list[Sample]] = {}
    for sample in samples:
        groups.setdefault((sample.label, sample.cls), []).append(sample)
    return groups


def _misses(samples: list[Sample], guard: set[str]) -> str:
    missed = sorted(s.id for s in samples if s.label == "dangerous" and s.id not in guard)
    false = sorted(s.id for s in samples if s.label == "safe" and s.id in guard)
    missed_text, false_text = ", ".join(missed) or "none", ", ".join(false) or "none"
    return f"Pipeline Guard misses: {missed_text}; false positives: {false_text}"


if __name__ == "__main__":
    sys.exit(main())
