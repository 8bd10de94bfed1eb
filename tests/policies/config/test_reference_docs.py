"""docs/configuration.md documents every key with its default, generated from the schemas."""

from pathlib import Path

import pytest

from policies.config.reference import render_reference, replace_reference
from policies.config.schema import LOCKED_KEY

from .test_settings import ALL_KEYS

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_the_key_reference_is_up_to_date() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    assert replace_reference(text) == text, "run: python -m scripts.update_config_docs"


@pytest.mark.parametrize("key", [key for key, _ in ALL_KEYS] + [LOCKED_KEY])
def test_every_key_appears_in_the_documentation(key: str) -> None:
    assert f"| `{key}` |" in DOCUMENT.read_text(encoding="utf-8")


def test_a_reference_row_gives_type_default_and_meaning() -> None:
    reference = render_reference()
    assert (
        "| `pipeline_review.paths` | list of path patterns; adds up | `[]` | More pipeline files "
        "(globs from the repository root, e.g. `scripts/ci/**`), added to the built-in list. Paths "
        "add up across levels and cannot be removed. |"
    ) in reference
    assert (
        "| `fork_secrets.environments.<name>.allowed_refs` | list of ref patterns; replaces | `[~default]` |"
    ) in reference
