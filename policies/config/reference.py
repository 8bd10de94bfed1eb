"""The key reference of ``docs/configuration.md``, generated from the schemas so it cannot drift from them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.config.schema import LOCKED_KEY, LOCKED_SCHEMA, SECTIONS, Kind, Schema, kind
from policies.pipeline_review.settings import BUILTIN_PATHS

BEGIN = "<!-- BEGIN GENERATED KEY REFERENCE: python -m scripts.update_config_docs -->"
END = "<!-- END GENERATED KEY REFERENCE -->"

_FORMAT_WORDS = {
    "branch-pattern": "branch pattern",
    "ref-pattern": "ref pattern",
    "path-pattern": "path pattern",
    "label-pattern": "label pattern",
    "github-login": "user name",
    "bot-login": "bot name",
    "team-slug": "team slug",
}
_HEADER = "| Key | Type | Default | Meaning |\n| --- | --- | --- | --- |"


def render_reference() -> str:
    """One table per section, then ``locked``; each row: key, type, default and meaning."""
    parts = []
    for section in SECTIONS:
        rows = "\n".join(_rows(section.schema, section.name))
        parts.append(f"### `{section.name}`\n\n{section.schema['description']}\n\n{_HEADER}\n{rows}")
    locked_row = _row(LOCKED_KEY, LOCKED_SCHEMA, required=False)
    parts.append(f"### `{LOCKED_KEY}`\n\n{_HEADER}\n{locked_row}")
    builtin = "\n".join(f"- `{path}`" for path in BUILTIN_PATHS)
    parts.append(
        f"### Built-in pipeline files\n\n`pipeline_review` always covers these paths; "
        f"`pipeline_review.paths` adds to them.\n\n{builtin}"
    )
    return "\n\n".join(parts) + "\n"


def _rows(schema: Schema, path: str) -> Iterator[str]:
    node_kind = kind(schema)
    if node_kind is Kind.OBJECT:
        required = set(schema.get("required", ()))
        for name, sub in schema["properties"].items():
            sub_path = f"{path}.{name}"
            yield _row(sub_path, sub, required=name in required)
            yield from _rows(sub, sub_path)
    elif node_kind is Kind.MAP:
        yield from _rows(schema["additionalProperties"], f"{path}.<name>")
    elif node_kind is Kind.KEYED:
        yield from _rows(schema["items"], f"{path}[]")


def _row(path: str, schema: Schema, *, required: bool) -> str:
    default = "required" if required else _code(schema.get("default"))
    if kind(schema) is Kind.OBJECT:
        default = "see below"
    meaning = schema["description"].replace("|", "\\|")
    return f"| `{path}` | {_type(schema)} | {default} | {meaning} |"


def _type(schema: Schema) -> str:
    if "enum" in schema:
        names = [f"`{value}`" for value in schema["enum"]]
        return ", ".join(names[:-1]) + f" or {names[-1]}"
    node_kind, json_type = kind(schema), schema.get("type")
    if node_kind in (Kind.MAP, Kind.OBJECT):
        return "mapping of name to settings" if node_kind is Kind.MAP else "mapping"
    if json_type == "array":
        key = schema.get("x-key")
        merge = {"add": "; adds up", "keyed": f"; combined by `{key}`", "replace": "; replaces"}
        items = schema.get("x-items") or _item_words(schema["items"])
        return f"list of {items}{merge.get(str(schema.get('x-merge')), '')}"
    if json_type == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        return f"whole number {low} to {high}" if high is not None else f"whole number, at least {low}"
    if json_type == "boolean":
        return "`true` or `false`"
    return _FORMAT_WORDS.get(schema.get("format", ""), "text")


def _item_words(items: Schema) -> str:
    words = _FORMAT_WORDS.get(items.get("format", ""), "text")
    return words + ("es" if words.endswith("h") else "s")


def _code(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict):
        return f"`{_flow(value)}`"
    return f"`{value}`"


def _flow(value: Any) -> str:
    """YAML flow style, as a user would write the value."""
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def replace_reference(document: str) -> str:
    """``document`` with the text between the ``BEGIN`` and ``END`` markers regenerated."""
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return f"{document[:start]}\n\n{render_reference()}\n{document[end:]}"
