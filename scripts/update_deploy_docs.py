"""Regenerate the settings reference in docs/deploying.md: ``python -m scripts.update_deploy_docs``."""

from pathlib import Path

from guard.settings_reference import replace_table

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "deploying.md"

if __name__ == "__main__":
    DOCUMENT.write_text(replace_table(DOCUMENT.read_text(encoding="utf-8")), encoding="utf-8")
