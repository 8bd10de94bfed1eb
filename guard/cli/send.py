"""``guard send FILE --event NAME``: sign a payload with the configured secret and post it to a receiver."""

from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path

import requests

from guard.cli.common import configured_settings
from guard.webhook import sign


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("send", help="sign a payload file and post it as a webhook delivery")
    parser.add_argument("file", type=Path, help="a JSON webhook payload")
    parser.add_argument("--event", required=True, help="the X-GitHub-Event name, e.g. push or pull_request")
    parser.add_argument("--url", help="receiver URL (default http://127.0.0.1:PORT/api/github/webhooks)")
    parser.add_argument("--delivery", help="X-GitHub-Delivery id (default: a new UUID)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = configured_settings()
    body = args.file.read_bytes()
    try:
        json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"guard send: {args.file} is not JSON: {exc}")
        return 2
    url = args.url or f"http://127.0.0.1:{settings.port}/api/github/webhooks"
    delivery = args.delivery or str(uuid.uuid4())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/guard-send",
        "X-GitHub-Event": args.event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(body, settings.webhook_secrets[0]),
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=15)
    except requests.RequestException as exc:
        print(f"guard send: could not reach {url}: {type(exc).__name__}")
        return 1
    print(f"{response.status_code} {response.reason} delivery={delivery}\n{response.text.strip()}")
    return 0 if response.ok else 1
