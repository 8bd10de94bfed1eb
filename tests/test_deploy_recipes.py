"""The deployment recipes stay in step with the code: every variable they set is a setting the guard
reads, every command they run exists, and the hardening they promise is there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from guard.cli import build_parser
from guard.settings_reference import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
KNOWN = {doc.name for doc in SETTINGS}
PYTHON_RUNTIME = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_DISABLE_PIP_VERSION_CHECK"}
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def guard_command_is_valid(argv: list[str]) -> None:
    """``guard ...`` parses with the real command line (exits if the command does not exist)."""
    assert argv[0].endswith("guard")
    build_parser().parse_args(argv[1:])


def unit_values(path: Path, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(f"{key}=")]


def test_the_procfile_runs_the_web_app_the_worker_and_migrations() -> None:
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines())
    assert processes["web"] == "gunicorn app:app"
    for name in ("worker", "release"):
        guard_command_is_valid(shlex.split(processes[name]))
    assert (ROOT / "app.py").is_file()
    assert (ROOT / "gunicorn.conf.py").is_file()


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_a_systemd_unit_sets_only_known_settings_and_is_hardened(unit: Path) -> None:
    names = {value.split("=", 1)[0] for value in unit_values(unit, "Environment")}
    assert names <= KNOWN, names - KNOWN
    assert "GUARD_ENV_FILE" in names
    assert unit_values(unit, "EnvironmentFile") == [], "the environment would shadow registered credentials"
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=", "UMask=0077"):
        assert setting in unit.read_text().splitlines(), setting
    (start,) = unit_values(unit, "ExecStart")
    argv = shlex.split(start)
    if argv[0].endswith("/guard"):
        guard_command_is_valid(argv)
    else:
        assert argv[0].endswith("/gunicorn")
        assert argv[-1] == "app:app"


def test_the_container_image_is_multi_stage_unprivileged_and_checks_its_health() -> None:
    text = (ROOT / "deploy" / "container" / "Containerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    (user,) = re.findall(r"^USER (\S+)", text, re.M)
    assert not user.startswith(("0", "root"))
    assert re.search(r"^HEALTHCHECK .*/healthz", text, re.M | re.S)
    env_block = re.search(r"^ENV (.*?)\n(?=\S)", text, re.M | re.S)
    assert env_block is not None
    names = set(re.findall(r"([A-Z_]+)=", env_block.group(1)))
    assert names <= KNOWN | PYTHON_RUNTIME, names - KNOWN - PYTHON_RUNTIME
    for copied in re.findall(r"^COPY (?!--)(.+) \S+$", text, re.M):
        for source in copied.split():
            assert (ROOT / source).exists(), source


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "container" / "compose.yaml").read_text())
    return loaded


def test_compose_runs_web_and_worker_read_only_without_privileges_beside_postgres() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "web", "worker"}
    for name in ("web", "worker"):
        service = services[name]
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert set(service["environment"]) <= KNOWN, set(service["environment"]) - KNOWN
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://guard:")
    guard_command_is_valid(services["worker"]["command"])
    assert services["web"]["ports"] == ["127.0.0.1:3000:3000"]
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
