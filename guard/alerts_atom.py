"""``GET /alerts.atom``: the alert list as an Atom 1.0 feed (RFC 4287), paged with RFC 5005 links.

Every piece of alert text goes in as element text, so the XML writer escapes it; characters XML 1.0
cannot carry (most control characters) are replaced, so a hostile alert cannot break the document.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from guard.alert_queries import (
    Alert,
    AlertFilter,
    Page,
    QueryError,
    iso_time,
    list_alerts,
    parse_filter,
    parse_limit,
)
from guard.api_auth import token_required, unavailable
from guard.db import DatabaseUnavailable
from guard.services import Services

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
SCHEME = "urn:pipeline-guard:"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

blueprint = Blueprint("alerts_atom", __name__)
ET.register_namespace("", ATOM)


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _services() -> Services:
    services: Services = current_app.extensions["guard"]
    return services


def _base() -> str:
    return (_services().settings.public_url or request.url_root).rstrip("/")


def _entry(feed: ET.Element, alert: Alert) -> None:
    entry = _child(feed, "entry")
    _child(entry, "id", f"{SCHEME}alert:{alert.id}")
    _child(entry, "title", f"[{alert.severity.label}] {alert.title}")
    _child(entry, "updated", iso_time(alert.updated_at))
    _child(entry, "published", iso_time(alert.created_at))
    page = f"{_base()}{url_for('alert_pages.alert_detail', alert_id=alert.id)}"
    api = f"{_base()}{url_for('alerts_api.detail_view', alert_id=alert.id)}"
    _child(entry, "link", rel="alternate", type="text/html", href=page)
    _child(entry, "link", rel="related", type="application/json", href=api)
    for scheme, term in (
        ("severity", alert.severity.label),
        ("policy", alert.policy),
        ("state", alert.state),
    ):
        _child(entry, "category", term=term, scheme=f"{SCHEME}{scheme}")
    where = " · ".join(part for part in (alert.repository, alert.subject, alert.actor) if part)
    summary = f"{alert.policy}/{alert.rule}, {alert.state}, seen {alert.count}x" + (
        f": {where}" if where else ""
    )
    _child(entry, "summary", summary, type="text")
    _child(entry, "content", alert.details, type="text")


def render(page: Page, wanted: AlertFilter, limit: int) -> bytes:
    """The page as an Atom document."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    query = {**wanted.as_query(), "limit": str(limit)}
    self_url = _feed_url(query)
    _child(feed, "id", self_url)
    _child(feed, "title", "Pipeline Guard alerts")
    newest = max((alert.updated_at for alert in page.alerts), default=time.time())
    _child(feed, "updated", iso_time(newest))
    author = _child(feed, "author")
    _child(author, "name", "Pipeline Guard")
    _child(feed, "link", rel="self", type=MEDIA_TYPE, href=self_url)
    if page.next_cursor is not None:
        following = _feed_url({**query, "cursor": page.next_cursor})
        _child(feed, "link", rel="next", type=MEDIA_TYPE, href=following)
    for alert in page.alerts:
        _entry(feed, alert)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _feed_url(query: dict[str, Any]) -> str:
    return f"{_base()}{url_for('.feed_view', **query)}"


@blueprint.get("/alerts.atom")
@token_required(basic=True)
def feed_view() -> Any:
    try:
        wanted = parse_filter(request.args)
        limit = parse_limit(request.args.get("limit"))
        page = list_alerts(_services().db, wanted, request.args.get("cursor") or None, limit)
    except QueryError as exc:
        return jsonify(error=str(exc)), 400
    except DatabaseUnavailable:
        return unavailable()
    answer = Response(render(page, wanted, limit), mimetype=MEDIA_TYPE)
    answer.headers["Cache-Control"] = "no-store"
    return answer
