"""``guard manifest``: print the GitHub App manifest this version of the guard registers with."""

from __future__ import annotations

import argparse
import json
import sys

from guard.manifest import SETUP_CALLBACK_PATH, ManifestError, build_manifest
from guard.settings import env_file_path, read_environment


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "manifest",
        help="print the GitHub App manifest (permissions and events come from the policies)",
        description="Print the App manifest as JSON: the least permissions and the events the routed "
        "policies need, the webhook URL, and where GitHub sends the browser back to.",
    )
    parser.add_argument("--url", help="the guard's public URL (default GUARD_PUBLIC_URL)")
    parser.add_argument("--name", default="Pipeline Guard", help="the App's name on GitHub")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from guard.handlers import ROUTER  # noqa: PLC0415 - handlers import the policies

    url = args.url or read_environment(env_file_path()).get("GUARD_PUBLIC_URL", "")
    if not url:
        print("guard manifest: pass --url or set GUARD_PUBLIC_URL", file=sys.stderr)
        return 2
    try:
        manifest = build_manifest(
            ROUTER, public_url=url, redirect_url=url.rstrip("/") + SETUP_CALLBACK_PATH, name=args.name
        )
    except ManifestError as exc:
        print(f"guard manifest: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(manifest, indent=2))
    return 0
