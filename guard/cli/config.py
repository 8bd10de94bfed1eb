"""``guard config check FILE...``: validate guard.yml files with the same messages as the check run."""

from __future__ import annotations

import argparse
from pathlib import Path

from policies.config import Level, Problem, parse
from policies.yaml_source import DEFAULT_LIMITS

_LEVEL_WORDS = {Level.ORG: "organisation", Level.REPO: "repository"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("config", help="work with guard.yml configuration files")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate guard.yml files; exit 1 if any has an error",
        description="Validate guard.yml files and print each error as FILE:LINE:COLUMN: MESSAGE. "
        "A file named guard.yml in a .github directory is a repository file; any other "
        "guard.yml (the root of the organisation's .github repository) is the organisation file.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", type=Path)
    level = check.add_mutually_exclusive_group()
    level.add_argument(
        "--org",
        dest="level",
        action="store_const",
        const=Level.ORG,
        help="check the files as the organisation's guard.yml",
    )
    level.add_argument(
        "--repo",
        dest="level",
        action="store_const",
        const=Level.REPO,
        help="check the files as a repository's .github/guard.yml",
    )
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        level = args.level or detect_level(path)
        problems = (
            _problems(path, level)
            if level
            else [
                f"{path}: cannot tell an organisation file from a repository file by its name; "
                "pass --org or --repo"
            ]
        )
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{path}: valid {_LEVEL_WORDS[level]} file")  # type: ignore[index]
        failed = failed or bool(problems)
    return 1 if failed else 0


def detect_level(path: Path) -> Level | None:
    """The level a path implies: ``.github/guard.yml`` is a repository's, another ``guard.yml`` the org's."""
    if path.name != "guard.yml":
        return None
    parent = path.absolute().parent
    in_repository = parent.name == ".github" and not (parent / ".git").exists()
    return Level.REPO if in_repository else Level.ORG


def _problems(path: Path, level: Level) -> list[Problem | str]:
    try:
        with path.open("rb") as stream:
            source = stream.read(DEFAULT_LIMITS.max_bytes + 1)
    except OSError as exc:
        return [f"{path}: cannot read the file: {exc.strerror or exc}"]
    return list(parse(source, file=str(path), level=level).problems)
