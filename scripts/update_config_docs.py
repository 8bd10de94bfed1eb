"""Regenerate the key reference in docs/configuration.md: ``python -m scripts.update_config_docs``."""

from pathlib import Path

from policies.config.reference import replace_reference

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

if __name__ == "__main__":
    DOCUMENT.write_text(replace_reference(DOCUMENT.read_text(encoding="utf-8")), encoding="utf-8")
