"""Read the forms of a page the way a browser would submit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("action", ""), values.get("method", "get").lower()))
        elif tag == "input" and self.forms and "name" in values:
            if values.get("type") in ("radio", "checkbox") and "checked" not in values:
                return
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def forms(page: str) -> list[Form]:
    """Every form on ``page``, with the values its inputs would submit as they stand."""
    parser = _Forms()
    parser.feed(page)
    return parser.forms
