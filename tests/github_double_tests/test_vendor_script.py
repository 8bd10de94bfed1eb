"""``scripts/vendor_github_openapi.py`` keeps exactly what is asked for, with every component it needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.vendor_github_openapi import VendorError, build_subset, iter_refs, main
from tests.github_double.schema import SUBSET_PATH


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    """The vendored subset stands in for the full description (tests never read /work/shared)."""
    document: dict[str, Any] = json.loads(SUBSET_PATH.read_text(encoding="utf-8"))
    return document


def _dangling(document: dict[str, Any]) -> list[str]:
    missing = []
    for ref in set(iter_refs(document)):
        _, _, kind, name = ref.split("/")
        if name not in document["components"].get(kind, {}):
            missing.append(ref)
    return missing


def test_a_subset_holds_the_operation_its_webhooks_and_all_their_references(source: dict[str, Any]) -> None:
    subset = build_subset(source, ["checks/create"], ["ping"])
    assert list(subset["paths"]) == ["/repos/{owner}/{repo}/check-runs"]
    assert list(subset["paths"]["/repos/{owner}/{repo}/check-runs"]) == ["post"]
    assert list(subset["x-webhooks"]) == ["ping"]
    assert "check-run" in subset["components"]["schemas"]
    assert "full-repository" not in subset["components"]["schemas"]
    assert _dangling(subset) == []
    assert subset["info"]["x-vendored"]["operations"] == ["checks/create"]


def test_the_vendored_file_is_self_contained(source: dict[str, Any]) -> None:
    assert _dangling(source) == []


def test_unknown_names_are_refused(source: dict[str, Any]) -> None:
    with pytest.raises(VendorError, match="unknown operationId"):
        build_subset(source, ["repos/no-such-thing"], [])
    with pytest.raises(VendorError, match="unknown webhook event: no_such_event"):
        build_subset(source, [], ["no_such_event"])


def test_rerunning_adds_to_the_lists_already_vendored(tmp_path: Path, source: dict[str, Any]) -> None:
    full = tmp_path / "full.json"
    full.write_text(json.dumps(source), encoding="utf-8")
    out = tmp_path / "subset.json"
    assert main([str(full), "--out", str(out), "--operation", "repos/get"]) == 0
    assert main([str(full), "--out", str(out), "--operation", "git/get-ref", "--webhook", "push"]) == 0
    vendored = json.loads(out.read_text(encoding="utf-8"))["info"]["x-vendored"]
    assert (vendored["operations"], vendored["webhooks"]) == (["git/get-ref", "repos/get"], ["push"])
    assert main([str(full), "--out", str(out), "--fresh", "--operation", "rate-limit/get"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["info"]["x-vendored"]["operations"] == [
        "rate-limit/get"
    ]
    assert main([str(full), "--out", str(out), "--operation", "nope/nope"]) == 2
