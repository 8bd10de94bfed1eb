"""``guard migrate``: bring the database schema up to date."""

from __future__ import annotations

import argparse

from guard.cli.common import configured_settings
from guard.db import Database
from guard.migrate import current_revision, upgrade


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("migrate", help="apply pending database migrations")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    database = Database(configured_settings().database_url)
    before = current_revision(database)
    after = upgrade(database)
    print(f"schema at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    database.dispose()
    return 0
