"""An alert's Markdown as HTML that cannot carry script: CommonMark with raw HTML off.

markdown-it-py escapes every character of raw HTML in the text (``<script>`` shows as text), refuses
link targets with a ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` scheme (they stay plain text),
and renders the tables, code and links the policies write. The page's Content-Security-Policy forbids
scripts and off-site images on top of that.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render(text: str) -> Markup:
    """Safe HTML for ``text`` (for templates: already escaped, so not escaped again)."""
    return Markup(_RENDERER.render(text))  # noqa: S704 - markdown-it escapes all raw HTML (html=False)
