"""The guard as operators start it: ``guard serve`` and gunicorn, as real processes on real ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import requests
from dotenv import dotenv_values

from tests.conftest import encode, signed_headers
from tests.support.metrics import parse, value

ROOT = Path(__file__).resolve().parent.parent
STAR = {
    "action": "created",
    "repository": {"full_name": "acme/widgets", "owner": {"login": "acme"}},
}  # no policy
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUARD_", "PROMETHEUS_", "WEBHOOK_"))}
    return env | {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'guard.db'}",
        "GUARD_ENV_FILE": str(tmp_path / ".env"),
        "LOG_FORMAT": "json",
        **extra,
    }


def wait_until_up(url: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the process exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def log_line_with(stream: IO[str], key: str, seconds: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        if line.startswith("{") and key in line:
            found: dict[str, object] = json.loads(line)
            return found
    raise AssertionError(f"no log line with {key}")


@pytest.fixture
def stop_at_end() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_guard_serve_prints_the_setup_code_and_serves_metrics_on_their_own_port(
    tmp_path: Path, stop_at_end: list[subprocess.Popen[str]]
) -> None:
    web, metrics = free_port(), free_port()
    env = environment(tmp_path, PORT=str(web), GUARD_METRICS_PORT=str(metrics))
    serve = subprocess.Popen(
        [sys.executable, "-m", "guard", "serve"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    stop_at_end.append(serve)
    assert serve.stderr is not None
    code = str(log_line_with(serve.stderr, "registration_setup_code")["registration_setup_code"])
    home = f"http://127.0.0.1:{web}"
    wait_until_up(f"{home}/healthz", serve)
    assert "Register Pipeline Guard on GitHub" in requests.get(f"{home}/", timeout=5).text
    wrong = requests.post(f"{home}/setup/manifest", data={"setup_code": "nope"}, timeout=5)
    assert wrong.status_code == 403
    assert code not in wrong.text

    payload = tmp_path / "star.json"
    payload.write_text(json.dumps(STAR))
    sent = subprocess.run(
        [
            sys.executable,
            "-m",
            "guard",
            "send",
            str(payload),
            "--event",
            "star",
            "--url",
            f"{home}/api/github/webhooks",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert sent.stdout.startswith("202 ACCEPTED")
    samples = parse(requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text)
    assert value(samples, "guard_deliveries_received_total", event="star", outcome="ignored") == 1
    assert requests.get(f"{home}/metrics", timeout=5).status_code == 404
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) == 0


def test_gunicorn_starts_fresh_and_serves_every_workers_metrics_on_the_metrics_port(
    tmp_path: Path, stop_at_end: list[subprocess.Popen[str]]
) -> None:
    web, metrics = free_port(), free_port()
    shared = tmp_path / "metrics"
    shared.mkdir()
    (shared / "counter_999999.db").write_bytes(b"left over from an earlier run")
    env = environment(
        tmp_path,
        PORT=str(web),
        GUARD_HOST="127.0.0.1",
        GUARD_METRICS_PORT=str(metrics),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    stop_at_end.append(server)
    home = f"http://127.0.0.1:{web}"
    wait_until_up(f"{home}/healthz", server)
    wait_until_up(f"http://127.0.0.1:{metrics}/metrics", server)
    assert not (shared / "counter_999999.db").exists()
    secret = dotenv_values(tmp_path / ".env")["WEBHOOK_SECRET"]  # a fresh install makes its own
    assert secret is not None
    body = encode(STAR)
    for number in range(12):
        headers = signed_headers(body, "star", f"g-{number}", secret)
        answer = requests.post(f"{home}/api/github/webhooks", data=body, headers=headers, timeout=5)
        assert answer.status_code == 202
    samples = parse(requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text)
    assert value(samples, "guard_deliveries_received_total", event="star", outcome="ignored") == 12
    assert value(samples, "guard_inbox_depth") == 0
    assert requests.get(f"{home}/metrics", timeout=5).status_code == 404
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
