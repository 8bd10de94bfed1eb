"""Vendor a trimmed copy of GitHub's REST OpenAPI description for the tests' GitHub double.

Reads the full description (``api.github.com.json`` from the npm package ``@octokit/openapi``) and writes
only the chosen operations and webhook events, with every component they reference, to
``tests/data/github/openapi-subset.json``. The lists already in that file are kept, so adding an
operation is one re-run::

    python scripts/vendor_github_openapi.py /path/to/api.github.com.json \
        --operation repos/get-branch-protection --webhook pull_request_review

``--fresh`` ignores the lists recorded in the existing subset and uses only the arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "github" / "openapi-subset.json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class VendorError(Exception):
    """An operation or webhook that the full description does not have."""


def iter_refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_refs(item)


def select_paths(full: dict[str, Any], operation_ids: Iterable[str]) -> dict[str, Any]:
    """The ``paths`` entries holding the wanted operations, other methods dropped."""
    wanted = set(operation_ids)
    paths: dict[str, Any] = {}
    for template, item in full["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation and operation.get("operationId") in wanted:
                kept = paths.setdefault(template, {k: v for k, v in item.items() if k not in HTTP_METHODS})
                kept[method] = operation
                wanted.discard(operation["operationId"])
    if wanted:
        raise VendorError(f"unknown operationId(s): {', '.join(sorted(wanted))}")
    return paths


def webhook_prefix(event: str) -> str:
    """GitHub's webhook operationIds spell ``pull_request`` as ``pull-request``."""
    return event.replace("_", "-")


def select_webhooks(full: dict[str, Any], events: Iterable[str]) -> dict[str, Any]:
    """The ``x-webhooks`` entries for every action of the wanted events."""
    hooks: dict[str, Any] = {}
    for event in events:
        prefix = webhook_prefix(event)
        found = {
            name: item
            for name, item in full["x-webhooks"].items()
            if item["post"]["operationId"] == prefix or item["post"]["operationId"].startswith(prefix + "/")
        }
        if not found:
            raise VendorError(f"unknown webhook event: {event}")
        hooks.update(found)
    return hooks


def app_event_names(full: dict[str, Any]) -> list[str]:
    """Every webhook event a GitHub App may subscribe to (what a manifest's ``default_events`` accepts)."""
    names = {
        str(item["post"]["x-github"]["subcategory"]).replace("-", "_")
        for item in full["x-webhooks"].values()
        if "app" in item["post"].get("x-github", {}).get("supported-webhook-types", [])
    }
    names |= set(full["info"].get("x-vendored", {}).get("app_events", []))
    return sorted(names)


def collect_components(full: dict[str, Any], roots: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The transitive closure of ``#/components/...`` references, grouped by component kind."""
    components: dict[str, dict[str, Any]] = {}
    pending = list(roots)
    while pending:
        ref = pending.pop()
        parts = ref.split("/")
        if len(parts) != 4 or parts[:2] != ["#", "components"]:
            raise VendorError(f"unsupported reference: {ref}")
        kind, name = parts[2], parts[3]
        if name in components.get(kind, {}):
            continue
        value = full["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        pending.extend(iter_refs(value))
    return {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())}


def build_subset(full: dict[str, Any], operations: list[str], webhooks: list[str]) -> dict[str, Any]:
    """A self-contained OpenAPI document with only the given operations and webhook events."""
    paths = select_paths(full, operations)
    hooks = select_webhooks(full, webhooks)
    components = collect_components(full, [*iter_refs(paths), *iter_refs(hooks)])
    info = dict(full["info"])
    info["x-vendored"] = {
        "source": "@octokit/openapi generated/api.github.com.json",
        "source_version": full["info"].get("version"),
        "operations": operations,
        "webhooks": webhooks,
        "app_events": app_event_names(full),
    }
    return {
        "openapi": full["openapi"],
        "info": info,
        "servers": full.get("servers", []),
        "paths": dict(sorted(paths.items())),
        "x-webhooks": dict(sorted(hooks.items())),
        "components": components,
    }


def recorded_lists(out: Path) -> tuple[list[str], list[str]]:
    """The operations and webhook events an existing subset was made from."""
    if not out.exists():
        return [], []
    vendored = json.loads(out.read_text(encoding="utf-8"))["info"]["x-vendored"]
    return list(vendored["operations"]), list(vendored["webhooks"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, help="the full api.github.com.json")
    parser.add_argument("--operation", action="append", default=[], help="an operationId to add")
    parser.add_argument("--webhook", action="append", default=[], help="a webhook event name to add")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--fresh", action="store_true", help="ignore the lists in the existing subset")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    operations, webhooks = ([], []) if args.fresh else recorded_lists(args.out)
    operations = sorted(set(operations) | set(args.operation))
    webhooks = sorted(set(webhooks) | set(args.webhook))
    full = json.loads(args.source.read_text(encoding="utf-8"))
    try:
        subset = build_subset(full, operations, webhooks)
    except VendorError as exc:
        print(f"vendor_github_openapi: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out}: {len(operations)} operations, {len(subset['x-webhooks'])} webhook actions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
