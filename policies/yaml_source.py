"""Bounded YAML loading that keeps the line and column of every node.

Configuration files and workflows come from repositories anyone may push to, so this loader refuses
hostile input with a clear, positioned error instead of hanging or exhausting memory: files over the
size limit, non-UTF-8 bytes, nesting deeper than the depth limit, alias expansion beyond the node
budget, duplicate keys, non-scalar keys, several documents and non-standard tags.

Scalars are resolved with the YAML 1.2 core schema, which is what GitHub Actions uses: ``on``, ``yes``
and ``off`` stay strings. Mapping keys are always kept as the text written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ScalarValue = str | bool | int | float | None

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_NON_STRING_STARTS = frozenset("~nNtTfF0123456789+-.")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
)


@dataclass(frozen=True)
class Limits:
    """Bounds applied while loading; each refusal names the bound it hit."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 100_000


DEFAULT_LIMITS = Limits()


class YamlError(ValueError):
    """A file that cannot be loaded, with the 1-based position of the problem."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path = path
        self.line = line
        self.column = column
        self.message = message


class Node:
    """Common position data; ``line`` and ``column`` are 1-based, ``size`` counts expanded nodes."""

    __slots__ = ("column", "end_column", "end_line", "line", "size")

    def __init__(self, line: int, column: int, end_line: int, end_column: int, size: int) -> None:
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.size = size


class Scalar(Node):
    """A scalar: ``value`` resolved by the YAML 1.2 core schema, ``text`` as written."""

    __slots__ = ("style", "text", "value")

    def __init__(self, text: str, value: ScalarValue, style: str | None, marks: tuple[int, int, int, int]):
        super().__init__(*marks, size=1)
        self.text = text
        self.value = value
        self.style = style

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}@{self.line}:{self.column})"


class Sequence(Node):
    """A sequence of nodes."""

    __slots__ = ("items",)

    def __init__(self, items: list[Node], marks: tuple[int, int, int, int]) -> None:
        super().__init__(*marks, size=1 + sum(item.size for item in items))
        self.items: tuple[Node, ...] = tuple(items)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Mapping(Node):
    """A mapping with string keys in the order written; keys keep their own positions."""

    __slots__ = ("_index", "pairs")

    def __init__(self, pairs: list[tuple[Scalar, Node]], marks: tuple[int, int, int, int]) -> None:
        super().__init__(*marks, size=1 + sum(k.size + v.size for k, v in pairs))
        self.pairs: tuple[tuple[Scalar, Node], ...] = tuple(pairs)
        self._index = {key.text: value for key, value in pairs}

    def get(self, key: str) -> Node | None:
        return self._index.get(key)

    def key_node(self, key: str) -> Scalar | None:
        return next((k for k, _ in self.pairs if k.text == key), None)

    def keys(self) -> list[str]:
        return [key.text for key, _ in self.pairs]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self.pairs)


def resolve_plain(text: str) -> ScalarValue:
    """Resolve an unquoted scalar with the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text, 0) if text.lstrip("+-").startswith(("0o", "0x")) else int(text)
    if text.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[text.lower()]
    if _FLOAT.match(text):
        return float(text)
    return text


def load(data: bytes | str, *, path: str = "<input>", limits: Limits = DEFAULT_LIMITS) -> Node | None:
    """Load one YAML document into positioned nodes; ``None`` for an empty document."""
    text = _decode(data, path, limits)
    builder = _Builder(path, limits)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        line, column = _position(exc.problem_mark or exc.context_mark)
        raise YamlError(path, line, column, _problem(exc, limits)) from None
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, 1, f"invalid YAML: {exc}") from None
    return builder.root


def _problem(exc: yaml.MarkedYAMLError, limits: Limits) -> str:
    """The parser's complaint; libyaml's own flow-depth cap (1,000 since PyYAML 6.0.4) reads as ours."""
    problem = exc.problem or exc.context
    if problem == "exceeded maximum nesting depth":
        return f"nesting is deeper than {limits.max_depth} levels"
    return f"invalid YAML: {problem}"


def to_python(node: Node | None) -> object:
    """Plain Python data (dicts, lists, scalars) for schema validation; aliases are expanded."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_python(item) for item in node.items]
    assert isinstance(node, Mapping)
    return {key.text: to_python(value) for key, value in node.pairs}


def _decode(data: bytes | str, path: str, limits: Limits) -> str:
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > limits.max_bytes:
        raise YamlError(path, 1, 1, f"file is {size} bytes; the limit is {limits.max_bytes} bytes")
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(path, line, column, f"file is not UTF-8: byte 0x{data[exc.start]:02x}") from None


def _position(mark: object) -> tuple[int, int]:
    """1-based (line, column) of a parser mark; marks are always set by the parsers used here."""
    line, column = getattr(mark, "line", 0), getattr(mark, "column", 0)
    return int(line) + 1, int(column) + 1


def _marks(event: yaml.Event) -> tuple[int, int, int, int]:
    start, end = event.start_mark, event.end_mark
    if start is None or end is None:
        return (*_position(start), *_position(end))
    return start.line + 1, start.column + 1, end.line + 1, end.column + 1


class _Open:
    """A collection being built: its start event and the children seen so far."""

    __slots__ = ("anchor", "children", "is_mapping", "keys", "start")

    def __init__(self, start: yaml.Event) -> None:
        self.start = start
        self.is_mapping = isinstance(start, yaml.MappingStartEvent)
        self.anchor: str | None = getattr(start, "anchor", None)
        self.children: list[Node] = []
        self.keys: set[str] = set()


class _Builder:
    """Turns parser events into nodes while enforcing the limits."""

    def __init__(self, path: str, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.stack: list[_Open] = []
        self.anchors: dict[str, Node] = {}
        self.root: Node | None = None
        self.documents = 0
        self.nodes = 0

    def error(self, event: yaml.Event, message: str) -> YamlError:
        return YamlError(self.path, *_position(event.start_mark), message)

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):  # the most common event, checked first
            self._check_tag(event)
            self.add(event, self._scalar(event), event.anchor)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.error(event, "only one YAML document is allowed per file")
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._check_tag(event)
            if len(self.stack) >= self.limits.max_depth:
                raise self.error(event, f"nesting is deeper than {self.limits.max_depth} levels")
            self.stack.append(_Open(event))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self._close(event)

    def _scalar(self, event: yaml.ScalarEvent) -> Scalar:
        style = event.style or None  # libyaml reports plain style as "", PyYAML as None
        # only a plain scalar can be a null, boolean or number, and all of those start with these characters
        plain = (
            style is None and event.implicit[0] and (not event.value or event.value[0] in _NON_STRING_STARTS)
        )
        value: ScalarValue = resolve_plain(event.value) if plain else event.value
        return Scalar(event.value, value, style, _marks(event))

    def _alias(self, event: yaml.AliasEvent) -> None:
        target = self.anchors.get(event.anchor or "")
        if target is None:
            raise self.error(event, f"alias *{event.anchor} refers to no anchor")
        self.add(event, target, None)

    def _close(self, event: yaml.Event) -> None:
        opened = self.stack.pop()
        start = opened.start
        marks = (*_marks(start)[:2], *_marks(event)[2:])
        node: Node
        if opened.is_mapping:
            items = opened.children
            node = Mapping([(items[i], items[i + 1]) for i in range(0, len(items), 2)], marks)  # type: ignore[misc]
        else:
            node = Sequence(opened.children, marks)
        self.add(start, node, opened.anchor, counted=True)

    def add(self, event: yaml.Event, node: Node, anchor: str | None, *, counted: bool = False) -> None:
        self.nodes += 1 if counted else node.size
        if self.nodes > self.limits.max_nodes:
            raise self.error(
                event,
                f"document expands to more than {self.limits.max_nodes} nodes "
                "(alias expansion or size limit)",
            )
        if anchor:
            self.anchors[anchor] = node
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if parent.is_mapping and len(parent.children) % 2 == 0:
            self._check_key(event, node, parent)
        parent.children.append(node)

    def _check_key(self, event: yaml.Event, node: Node, parent: _Open) -> None:
        if not isinstance(node, Scalar):
            raise self.error(event, "mapping keys must be plain scalars")
        if node.text in parent.keys:
            raise YamlError(self.path, node.line, node.column, f"duplicate key {node.text!r}")
        parent.keys.add(node.text)

    def _check_tag(self, event: yaml.NodeEvent) -> None:
        tag = getattr(event, "tag", None)
        if tag and tag != "!" and tag not in _STANDARD_TAGS:
            raise self.error(event, f"tag {tag} is not allowed")
