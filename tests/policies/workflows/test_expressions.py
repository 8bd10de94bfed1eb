"""The expression reader: spans, grammar, and refusal of pathological input."""

from __future__ import annotations

import pytest

from policies.workflows.expressions import Binary, Call, ExpressionError, Literal, find_spans, parse, path_of


def test_spans_allow_braces_inside_string_literals() -> None:
    text = "echo ${{ format('{0}}}', github.event.issue.title) }} and ${{ github.head_ref }}"
    assert [s.source for s in find_spans(text)] == [
        "format('{0}}}', github.event.issue.title)",
        "github.head_ref",
    ]


def test_unterminated_span_is_ignored() -> None:
    assert find_spans("echo ${{ github.event.issue.title") == []


def test_precedence_and_paths() -> None:
    expr = parse("a.b == 'x' || !c && contains(github.event.pull_request.labels.*.name, 'ok')")
    assert isinstance(expr, Binary)
    assert expr.operator == "||"
    assert isinstance(expr.right, Binary)
    assert expr.right.operator == "&&"
    call = expr.right.right
    assert isinstance(call, Call)
    assert path_of(call.args[0]) == ("github", "event", "pull_request", "labels", "*", "name")


def test_indexes_become_path_parts() -> None:
    assert path_of(parse("github.event.commits[0].Message")) == ("github", "event", "commits", "*", "message")
    assert path_of(parse("github['head_ref']")) == ("github", "head_ref")
    assert path_of(parse("secrets[matrix.name]")) == ("secrets", "*")


def test_literals() -> None:
    assert parse("'it''s'") == Literal("it's")
    assert parse("0x1F") == Literal(31.0)
    assert parse("null") == Literal(None)


@pytest.mark.parametrize("source", ["a ==", "(a", "a b", "'open", "a.(b)", "f(a,"])
def test_malformed_expressions_raise(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse(source)


def test_long_flat_expressions_parse_but_deep_nesting_is_refused() -> None:
    parse(" || ".join(f"a{i}" for i in range(500)))
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse("(" * 60 + "a" + ")" * 60)
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse("!" * 60 + "a")
    with pytest.raises(ExpressionError, match="more than 1000 tokens"):
        parse(" || ".join(f"a{i}" for i in range(501)))
