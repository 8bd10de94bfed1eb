"""Building layers from YAML text for the configuration tests."""

from policies.config import Layer, Level, parse

ORG_FILE = "acme/.github:guard.yml"
REPO_FILE = "acme/api:.github/guard.yml"


def org_layer(source: str | None) -> Layer | None:
    return _layer(source, ORG_FILE, Level.ORG)


def repo_layer(source: str | None) -> Layer | None:
    return _layer(source, REPO_FILE, Level.REPO)


def _layer(source: str | None, file: str, level: Level) -> Layer | None:
    parsed = parse(source, file=file, level=level)
    assert parsed.ok, [str(problem) for problem in parsed.problems]
    return parsed.layer
