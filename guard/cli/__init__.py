"""Pipeline Guard's command line: one module per sub-command, each exposing ``register``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from guard.cli import (
    config,
    deliveries,
    env,
    feed,
    manifest,
    migrate,
    protection,
    replay,
    scan,
    send,
    serve,
    status,
    tokens,
    version,
    worker,
)

COMMANDS: tuple[ModuleType, ...] = (
    serve,
    worker,
    migrate,
    status,
    manifest,
    send,
    deliveries,
    replay,
    scan,
    config,
    protection,
    tokens,
    feed,
    env,
    version,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
