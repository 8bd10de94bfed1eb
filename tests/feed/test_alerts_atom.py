"""``GET /alerts.atom``: valid Atom for feed readers, the API's filters and pages, Bearer or Basic tokens,
and alert text that cannot break out of the XML.
"""

from __future__ import annotations

import urllib.parse

import feedparser
import pytest
from flask.testing import FlaskClient

from guard.alerts import AlertStore
from guard.services import Services
from guard.tokens import TokenStore
from policies.base import Severity
from tests.feed.atom_rules import NS, parse, problems
from tests.feed.openapi import check
from tests.feed.support import basic, bearer, spec, ticking_store

FEED = "/alerts.atom"
HOSTILE = (
    "</content><script>alert(1)</script><![CDATA[ ]]> &amp; &lt;b&gt; \x00\x01\x1b[31m \ud800 "
    "<!-- --> <?php ?> ]]>"
)


@pytest.fixture
def store(services: Services) -> AlertStore:
    return ticking_store(services.db)


@pytest.fixture
def token(services: Services) -> str:
    return TokenStore(services.db).create("reader")


def fetch(client: FlaskClient, token: str, url: str = FEED, **query: str) -> bytes:
    answer = client.get(url, query_string=query or None, headers=basic(token))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/atom+xml"
    check(answer, FEED)
    return answer.get_data()


def entry_titles(document: bytes) -> list[str]:
    return [entry.findtext(f"{NS}title") or "" for entry in parse(document).findall(f"{NS}entry")]


def test_the_feed_is_valid_atom_that_feed_readers_parse(
    client: FlaskClient, store: AlertStore, token: str
) -> None:
    store.raise_alert(spec(1, Severity.CRITICAL))
    store.raise_alert(spec(2, Severity.LOW))
    store.acknowledge(1, "alice", "looking")
    document = fetch(client, token)
    assert problems(document) == []
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Pipeline Guard alerts"
    first = parsed.entries[0]
    assert first.title == "[critical] alert 1"
    assert first.id == "urn:pipeline-guard:alert:1"
    assert first.updated == "2027-01-15T08:00:02.000Z"
    assert {tag.term for tag in first.tags} == {"critical", "branch_protection", "acknowledged"}
    assert first.content[0].value == "Protection of `b1` was weakened."
    links = {link.rel: (link.type, link.href) for link in first.links}
    assert links == {
        "alternate": ("text/html", "http://localhost/alerts/1"),
        "related": ("application/json", "http://localhost/api/alerts/1"),
    }


def test_the_feed_takes_the_api_filters_and_pages(client: FlaskClient, store: AlertStore, token: str) -> None:
    for number in range(5):
        store.raise_alert(spec(number, Severity.HIGH if number % 2 else Severity.INFO))
    store.raise_alert(spec(9, policy="config", rule="invalid-config"))
    assert entry_titles(fetch(client, token, policy="config")) == ["[high] alert 9"]
    first = fetch(client, token, min_severity="high", policy="branch_protection", limit="1")
    assert entry_titles(first) == ["[high] alert 3"]
    links = {ln.get("rel"): ln.get("href") for ln in parse(first).findall(f"{NS}link")}
    following = urllib.parse.urlsplit(links["next"] or "")
    second = fetch(client, token, f"{following.path}?{following.query}")
    assert entry_titles(second) == ["[high] alert 1"]
    assert "next" not in {ln.get("rel") for ln in parse(second).findall(f"{NS}link")}
    answer = client.get(FEED, query_string={"state": "gone"}, headers=bearer(token))
    assert answer.status_code == 400
    assert "state must be one of" in check(answer, FEED)["error"]


def test_bearer_and_basic_tokens_are_accepted_and_nothing_else(
    client: FlaskClient, services: Services, token: str
) -> None:
    assert client.get(FEED, headers=bearer(token)).status_code == 200
    assert client.get(FEED, headers=basic(token, user="")).status_code == 200
    for headers in ({}, basic("pgt_" + "y" * 43), basic(token + "x"), {"Authorization": "Basic !!"}):
        answer = client.get(FEED, headers=headers)
        assert answer.status_code == 401
        assert (
            answer.headers["WWW-Authenticate"]
            == 'Bearer realm="pipeline-guard", Basic realm="pipeline-guard"'
        )
        check(answer, FEED)
    TokenStore(services.db).revoke("reader")
    assert client.get(FEED, headers=basic(token)).status_code == 401


def test_hostile_alert_text_stays_text(client: FlaskClient, store: AlertStore, token: str) -> None:
    store.raise_alert(spec(1, title=HOSTILE, details=HOSTILE, repository=HOSTILE, subject=HOSTILE))
    document = fetch(client, token)
    assert problems(document) == []
    root = parse(document)
    assert all(element.tag.startswith(NS) for element in root.iter())
    content = root.find(f"{NS}entry/{NS}content")
    assert content is not None
    assert len(content) == 0
    assert "<script>alert(1)</script>" in (content.text or "")
    assert "\x00" not in (content.text or "")
    assert not feedparser.parse(document).bozo
