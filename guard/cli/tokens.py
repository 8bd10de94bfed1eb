"""``guard tokens create|list|revoke``: API tokens for the alert feed and metrics."""

from __future__ import annotations

import argparse
import sys

from guard.cli.common import configured_settings
from guard.cli.deliveries import iso_time
from guard.db import Database
from guard.migrate import upgrade
from guard.tokens import TokenError, TokenStore


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("tokens", help="create, list and revoke API tokens (alert feed, metrics)")
    actions = parser.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once (it is stored hashed)")
    create.add_argument("name")
    create.set_defaults(run=run_create)
    revoke = actions.add_parser("revoke", help="revoke the token with this name")
    revoke.add_argument("name")
    revoke.set_defaults(run=run_revoke)
    listing = actions.add_parser("list", help="token names, when created and when revoked")
    listing.set_defaults(run=run_list)


def _store() -> TokenStore:
    database = Database(configured_settings().database_url)
    upgrade(database)
    return TokenStore(database)


def run_create(args: argparse.Namespace) -> int:
    store = _store()
    try:
        raw = store.create(args.name)
    except TokenError as exc:
        print(f"guard tokens: {exc}", file=sys.stderr)
        return 2
    finally:
        store.db.dispose()
    print(raw)
    print(
        f"token {args.name!r} created; this is the only time it is shown. Send it as "
        "'Authorization: Bearer <token>'.",
        file=sys.stderr,
    )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    store = _store()
    revoked = store.revoke(args.name)
    store.db.dispose()
    if not revoked:
        print(f"guard tokens: no live token named {args.name!r}", file=sys.stderr)
        return 1
    print(f"token {args.name!r} revoked")
    return 0


def run_list(args: argparse.Namespace) -> int:
    store = _store()
    tokens = store.list()
    store.db.dispose()
    print(f"{'NAME':<32} {'CREATED':<25} REVOKED")
    for token in tokens:
        revoked = iso_time(token.revoked_at) if token.revoked_at is not None else "-"
        print(f"{token.name:<32} {iso_time(token.created_at):<25} {revoked}")
    return 0
