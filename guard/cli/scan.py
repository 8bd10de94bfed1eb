"""``guard scan PATH...``: analyse GitHub Actions workflows and actions for ways a fork can reach secrets.

Directories are searched for ``.github/workflows/*.yml|yaml`` and ``action.yml|yaml`` files (and, when a
directory holds YAML files directly and has no ``.github`` folder, for those files). Files are grouped by
repository (the folder holding ``.github``) so local actions and reusable workflows are followed.
Exit status: 0 when no unsuppressed finding reaches ``--min-severity``, 1 when one does, 2 on usage
errors or unreadable paths.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from policies.base import Finding, Severity
from policies.workflows import analyse
from policies.workflows.analyser import Analysis, invalid_file
from policies.workflows.report import text, to_json, to_sarif
from policies.yaml_source import DEFAULT_LIMITS, YamlError

_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})
_YAML = (".yml", ".yaml")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "scan",
        help="analyse workflows for ways a fork can reach secrets or a write token",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="workflow files, action files or directories"
    )
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format")
    parser.add_argument(
        "--min-severity",
        type=_severity,
        default=Severity.LOW,
        metavar="LEVEL",
        help="report findings at or above LEVEL (info, low, medium, high, critical; default low) "
        "and exit 1 if an unsuppressed one exists",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.set_defaults(run=run)


def _severity(text_value: str) -> Severity:
    try:
        return Severity.parse(text_value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    # The scan allocates many small objects and frees them only at exit: collect cycles less often.
    gc.set_threshold(100_000, 50, 100)
    try:
        groups = collect(args.paths)
    except OSError as exc:
        print(f"guard scan: {exc}", file=sys.stderr)
        return 2
    analysis = scan(groups)
    rendered = render(analysis, args.format, args.min_severity)
    if args.output is not None:
        args.output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    return 1 if analysis.blocking(args.min_severity) else 0


def render(analysis: Analysis, output_format: str, minimum: Severity) -> str:
    if output_format == "json":
        return to_json(analysis, minimum)
    if output_format == "sarif":
        return to_sarif(analysis, minimum, _version())
    return text(analysis, minimum)


def _version() -> str:
    from importlib import metadata  # noqa: PLC0415 - only SARIF output needs it; keeps start-up fast

    try:
        return metadata.version("pipeline-guard")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def collect(paths: list[str]) -> dict[Path, dict[str, Path]]:
    """Files to scan, grouped by repository root and keyed by their path inside that repository."""
    groups: dict[Path, dict[str, Path]] = {}
    roots: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {raw}")
        for file in [path.resolve()] if path.is_file() else _walk(path.resolve()):
            folder = file.parent
            if folder not in roots:
                roots[folder] = repository_root(folder)
            root = roots[folder]
            groups.setdefault(root, {})[file.relative_to(root).as_posix()] = file
    return groups


def _walk(directory: Path) -> Iterator[Path]:
    direct = not (directory / ".github").is_dir() and directory.name != ".github"
    for current, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        here = Path(current)
        in_workflows = here.name == "workflows" and here.parent.name == ".github"
        for name in sorted(names):
            wanted = name in ("action.yml", "action.yaml") or (name.endswith(_YAML) and in_workflows)
            if wanted or (direct and here == directory and name.endswith(_YAML)):
                yield here / name


def repository_root(folder: Path) -> Path:
    """The folder holding ``.github`` at or above ``folder`` (an absolute path); ``folder`` when none does."""
    for candidate in (folder, *folder.parents):
        if candidate.name == ".github":
            return candidate.parent
        if (candidate / ".github").is_dir():
            return candidate
    return folder


def scan(groups: dict[Path, dict[str, Path]]) -> Analysis:
    """Analyse each repository's files together; report them under the paths the user gave."""
    findings: dict[str, tuple[Finding, ...]] = {}
    errors: dict[str, Finding] = {}
    cwd = os.getcwd()
    for files in groups.values():
        shown = {key: _display(file, cwd) for key, file in files.items()}
        result = _analyse_group(files)
        for key, display in shown.items():
            findings[display] = tuple(_relocate(f, shown) for f in result.findings.get(key, ()))
            if key in result.errors:
                errors[display] = _relocate(result.errors[key], shown)
    return Analysis(dict(sorted(findings.items())), errors)


def _analyse_group(files: dict[str, Path]) -> Analysis:
    """Analyse one repository's files; files over the size limit are refused without being read."""
    limit = DEFAULT_LIMITS.max_bytes
    sizes = {key: file.stat().st_size for key, file in files.items()}
    result = analyse({key: file.read_bytes() for key, file in files.items() if sizes[key] <= limit})
    refused = {
        key: invalid_file(key, YamlError(key, 1, 1, f"file is {size} bytes; the limit is {limit} bytes"))
        for key, size in sizes.items()
        if size > limit
    }
    findings = {**result.findings, **{key: (finding,) for key, finding in refused.items()}}
    return Analysis(findings, {**result.errors, **refused})


def _display(file: Path, cwd: str) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    text = str(file)
    inside = text.startswith(cwd.rstrip(os.sep) + os.sep)
    return Path(os.path.relpath(text, cwd)).as_posix() if inside else file.as_posix()


def _relocate(finding: Finding, shown: dict[str, str]) -> Finding:
    if all(e.path not in shown or shown[e.path] == e.path for e in finding.evidence):
        return finding
    evidence = tuple(dataclasses.replace(e, path=shown.get(e.path, e.path)) for e in finding.evidence)
    return dataclasses.replace(finding, evidence=evidence)
