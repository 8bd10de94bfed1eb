"""``guard version``: print the installed version."""

from __future__ import annotations

import argparse
from importlib import metadata


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("version", help="print the installed version")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(metadata.version("pipeline-guard"))
    return 0
