"""``guard config check FILE...`` validates guard.yml files; ``guard config show OWNER/REPO`` shows one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from guard.cli.common import configured_settings
from guard.config_store import ConfigStore
from guard.db import Database
from guard.github import NotFound
from guard.migrate import upgrade
from guard.services import make_github
from guard.state import StateStore
from policies.config import EffectiveConfig, Level, Problem, Resolution, parse
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
    show = actions.add_parser(
        "show",
        help="the configuration in force for OWNER/REPO and where each value comes from",
        description="Print the effective configuration of a repository (built-in defaults < the "
        "organisation's guard.yml < the repository's .github/guard.yml, default branches only) with the "
        "level that set each value. Uses the App's credentials and the guard's database.",
    )
    show.add_argument("repository", metavar="OWNER/REPO")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(run=run_show)


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


def run_show(args: argparse.Namespace) -> int:
    settings = configured_settings()
    github = make_github(settings)
    if github is None:
        print(
            "guard config show needs the App's credentials: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)"
        )
        return 2
    if args.repository.count("/") != 1:
        print(f"guard config show: expected OWNER/REPO, got {args.repository!r}")
        return 2
    try:
        installation = github.app().get(f"/repos/{args.repository}/installation").data["id"]
    except NotFound:
        print(f"guard config show: the App is not installed on {args.repository} (or it does not exist)")
        return 1
    database = Database(settings.database_url)
    upgrade(database)
    store = ConfigStore(StateStore(database), None)
    resolution = store.resolution(github.installation(int(installation)), args.repository)
    print(json.dumps(_as_rows(resolution.config), indent=2) if args.format == "json" else _table(resolution))
    return 0


def _as_rows(config: EffectiveConfig) -> list[dict[str, object]]:
    return [{"setting": s.path, "value": s.value, "set_by": str(s.source)} for s in config.settings]


def _table(resolution: Resolution) -> str:
    rows = [(row["setting"], json.dumps(row["value"]), row["set_by"]) for row in _as_rows(resolution.config)]
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(("SETTING", "VALUE", "SET BY"), *rows, strict=False)
    ]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [("SETTING", "VALUE", "SET BY"), *rows]
    ]
    lines += [f"ignored: {item}" for item in resolution.ignored]
    return "\n".join(lines)
