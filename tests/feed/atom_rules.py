"""The requirements of RFC 4287 (Atom 1.0) a feed must meet, checked on a parsed document.

Each problem is one line naming the element and the section of the RFC it breaks; an empty list means
the feed is valid Atom as far as these rules go (every MUST for the elements the guard writes).
"""

from __future__ import annotations

import re
import urllib.parse
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2005/Atom}"
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")  # RFC 3339, section 3.3
TEXT_TYPES = ("text", "html", "xhtml")


def _one(parent: ET.Element, tag: str, where: str, problems: list[str], section: str) -> ET.Element | None:
    found = parent.findall(f"{NS}{tag}")
    if len(found) != 1:
        problems.append(f"{where}: {len(found)} atom:{tag} elements, exactly one required ({section})")
        return None
    return found[0]


def _iri(text: str | None) -> bool:
    return bool(text) and bool(urllib.parse.urlsplit(text or "").scheme)


def _common(element: ET.Element, where: str, problems: list[str], sections: dict[str, str]) -> None:
    """id (an absolute IRI), title (a text construct) and updated (a date), once each."""
    identifier = _one(element, "id", where, problems, sections["id"])
    if identifier is not None and not _iri(identifier.text):
        problems.append(f"{where}: atom:id {identifier.text!r} is not an absolute IRI (4.2.6)")
    title = _one(element, "title", where, problems, sections["title"])
    if title is not None and title.get("type", "text") not in TEXT_TYPES:
        problems.append(f"{where}: atom:title type {title.get('type')!r} (3.1.1)")
    updated = _one(element, "updated", where, problems, sections["updated"])
    if updated is not None and not DATE.match(updated.text or ""):
        problems.append(f"{where}: atom:updated {updated.text!r} is not an RFC 3339 date (3.3)")
    for link in element.findall(f"{NS}link"):
        if not link.get("href"):
            problems.append(f"{where}: atom:link without href (4.2.7.1)")
    alternates = [
        (ln.get("type"), ln.get("hreflang"))
        for ln in element.findall(f"{NS}link")
        if ln.get("rel", "alternate") == "alternate"
    ]
    if len(alternates) != len(set(alternates)):
        problems.append(f"{where}: two alternate links with the same type and hreflang (4.1.1)")
    for category in element.findall(f"{NS}category"):
        if not category.get("term"):
            problems.append(f"{where}: atom:category without term (4.2.2.1)")


def _entry(entry: ET.Element, index: int, feed_has_author: bool, problems: list[str]) -> None:
    where = f"entry {index}"
    _common(entry, where, problems, {"id": "4.1.2", "title": "4.1.2", "updated": "4.1.2"})
    if not feed_has_author and not entry.findall(f"{NS}author"):
        problems.append(f"{where}: no atom:author here or on the feed (4.1.2)")
    contents = entry.findall(f"{NS}content")
    if len(contents) > 1:
        problems.append(f"{where}: more than one atom:content (4.1.2)")
    has_alternate = any(ln.get("rel", "alternate") == "alternate" for ln in entry.findall(f"{NS}link"))
    if not contents and not has_alternate:
        problems.append(f"{where}: neither atom:content nor an alternate link (4.1.2)")
    for content in contents:
        if content.get("type", "text") not in TEXT_TYPES and "/" not in content.get("type", ""):
            problems.append(f"{where}: atom:content type {content.get('type')!r} (4.1.3.1)")
        if content.get("type", "text") == "text" and len(content):
            problems.append(f"{where}: text content holds child elements (3.1.1.1)")
    for published in entry.findall(f"{NS}published"):
        if not DATE.match(published.text or ""):
            problems.append(f"{where}: atom:published {published.text!r} is not an RFC 3339 date (3.3)")


def parse(document: bytes) -> ET.Element:
    """The guard's own feed, parsed (trusted input: the tests produced it)."""
    return ET.fromstring(document)  # noqa: S314


def problems(document: bytes) -> list[str]:
    """Every rule the document breaks (it must at least be well-formed XML in the Atom namespace)."""
    root = parse(document)
    if root.tag != f"{NS}feed":
        return [f"the root element is {root.tag}, not atom:feed (4.1.1)"]
    found: list[str] = []
    _common(root, "feed", found, {"id": "4.1.1", "title": "4.1.1", "updated": "4.1.1"})
    authors = root.findall(f"{NS}author")
    for author in authors:
        _one(author, "name", "feed author", found, "3.2.1")
    seen: set[tuple[str | None, str | None]] = set()
    for index, entry in enumerate(root.findall(f"{NS}entry")):
        _entry(entry, index, bool(authors), found)
        key = (entry.findtext(f"{NS}id"), entry.findtext(f"{NS}updated"))
        if key in seen:
            found.append(f"entry {index}: same atom:id and atom:updated as an earlier entry (4.1.1)")
        seen.add(key)
    return found
