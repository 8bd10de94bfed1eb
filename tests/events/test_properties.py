"""Properties: new fields never change an event; no input makes parsing fail except with EventError."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from guard.events import PARSERS, Event, EventError, parse_event
from tests.events.webhook_data import all_examples, fixture, fixture_names

SAMPLES: list[tuple[str, dict[str, Any]]] = [
    *all_examples(),
    *((name.split(".")[0], fixture(name)) for name in fixture_names()),
]

OPEN_MAPS = frozenset({"changes", "permissions", "parameters", "conditions"})
"""Objects whose keys are data rather than fields: a key added there is a real change to the event."""


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


KNOWN_KEYS = frozenset(key for _, payload in SAMPLES for key in _keys(payload))
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
KEYS = st.sampled_from(sorted(KNOWN_KEYS)) | st.text(max_size=12)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
NEW_KEYS = st.text(min_size=1, max_size=12).filter(lambda key: key not in KNOWN_KEYS)


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a payload that is not inside an open map."""
    if isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key not in OPEN_MAPS:
                yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) pair holding a value in a payload."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _slots(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _slots(item)


def _parse_or_refuse(name: str, payload: Any) -> Event | EventError:
    try:
        return parse_event(name, payload)
    except EventError as error:
        return error


def _assert_event_or_event_error(name: str, payload: Any) -> None:
    outcome = _parse_or_refuse(name, payload)

    if isinstance(outcome, EventError):
        assert str(outcome).startswith(f"{name} event: ")
    else:
        assert outcome.name == name


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fields_github_might_add_anywhere_never_change_the_event(data: st.DataObject) -> None:
    name, original = data.draw(st.sampled_from(SAMPLES), label="example")
    payload = copy.deepcopy(original)
    objects = list(_objects(payload))

    for _ in range(data.draw(st.integers(min_value=1, max_value=6), label="additions")):
        target = data.draw(st.sampled_from(objects))
        target[data.draw(NEW_KEYS, label="key")] = data.draw(JSON, label="value")

    assert parse_event(name, payload) == parse_event(name, original)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_replaced_by_any_json_gives_an_event_or_an_event_error(data: st.DataObject) -> None:
    name, original = data.draw(st.sampled_from(SAMPLES), label="example")
    payload = copy.deepcopy(original)
    slots = list(_slots(payload))

    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="replacements")):
        container, key = data.draw(st.sampled_from(slots), label="slot")
        container[key] = data.draw(JSON, label="value")

    _assert_event_or_event_error(name, payload)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from([*sorted(PARSERS), "not_modelled_event"]),
    payload=st.dictionaries(KEYS, JSON, max_size=8),
)
def test_arbitrary_json_objects_give_an_event_or_an_event_error(name: str, payload: dict[str, Any]) -> None:
    _assert_event_or_event_error(name, payload)
