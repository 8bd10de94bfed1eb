"""The bounded YAML loader: positions, YAML 1.2 scalars, and refusal of hostile input."""

import itertools
import time

import pytest

from policies.yaml_source import Limits, Mapping, YamlError, load, to_python


def test_keeps_on_as_a_key_and_off_as_a_string() -> None:
    doc = load(b"on:\n  push: {}\nmode: off\nflag: yes\nn: 0x1F\nempty:\n")
    assert to_python(doc) == {"on": {"push": {}}, "mode": "off", "flag": "yes", "n": 31, "empty": None}


def test_every_node_knows_its_line_and_column() -> None:
    doc = load("jobs:\n  build:\n    steps:\n      - run: make\n")
    assert isinstance(doc, Mapping)
    jobs = doc.get("jobs")
    assert isinstance(jobs, Mapping)
    build = jobs.get("build")
    assert isinstance(build, Mapping)
    steps = build.get("steps")
    assert steps is not None
    assert (steps.line, steps.column) == (4, 7)
    assert (jobs.key_node("build").line, jobs.key_node("build").column) == (2, 3)  # type: ignore[union-attr]


def test_aliases_within_bounds_resolve_to_the_anchored_value() -> None:
    doc = load("base: &b {runs-on: ubuntu-latest}\nother: *b\n")
    assert to_python(doc) == {"base": {"runs-on": "ubuntu-latest"}, "other": {"runs-on": "ubuntu-latest"}}


def _billion_laughs(levels: int) -> str:
    names = [chr(ord("a") + i) for i in range(levels + 1)]
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{n}: &{n} [{', '.join(['*' + p] * 9)}]" for p, n in itertools.pairwise(names)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        (_billion_laughs(9), 6, 8, "expands to more than 100000 nodes"),
        ("[" * 500 + "]" * 500, 1, 65, "deeper than 64 levels"),
        (b"a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'"),
        (b"name: ok\nbad: caf\xe9\n", 2, 9, "not UTF-8"),
        ("x: " + "y" * (1024 * 1024), 1, 1, "the limit is 1048576 bytes"),
        ("a: 1\n---\nb: 2\n", 2, 1, "only one YAML document"),
        ("a: !!python/object/apply:os.system [id]\n", 1, 4, "is not allowed"),
        ("{[1]: 2}", 1, 2, "keys must be plain scalars"),
        ("a: *nowhere\n", 1, 4, "refers to no anchor"),
        ("a: [1, 2\n", 2, 1, "invalid YAML"),
    ],
)
def test_hostile_or_broken_input_is_refused_with_its_position(
    source: str | bytes, line: int, column: int, message: str
) -> None:
    started = time.perf_counter()
    with pytest.raises(YamlError) as caught:
        load(source, path="guard.yml")
    assert time.perf_counter() - started < 2.0
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"guard.yml:{line}:{column}: ")


def test_nesting_far_beyond_the_parsers_own_cap_is_refused_as_too_deep() -> None:
    started = time.perf_counter()
    with pytest.raises(YamlError) as caught:
        load("[" * 500_000 + "]" * 500_000, path="guard.yml")
    assert time.perf_counter() - started < 2.0
    assert caught.value.line == 1
    assert "nesting is deeper than 64 levels" in str(caught.value)


def test_limits_are_configurable() -> None:
    with pytest.raises(YamlError, match="deeper than 2 levels"):
        load("a: {b: {c: 1}}", limits=Limits(max_depth=2))


def test_an_empty_document_loads_as_none() -> None:
    assert load(b"") is None
    assert load("# only a comment\n") is None
