"""The Procfile's web process: gunicorn with gunicorn.conf.py serves the receiver and logs JSON lines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import WEBHOOK_SECRET, encode, signed_headers

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_signed_deliveries_and_logs_one_json_access_line_each(tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/guard.db",
        "PORT": str(port),
        "GUARD_HOST": "127.0.0.1",
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "app:app"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        body = encode({"zen": "Design for failure.", "hook_id": 7})
        answer = requests.post(
            f"{base}/api/github/webhooks", data=body, headers=signed_headers(body, "ping", "g-1"), timeout=5
        )
        assert answer.status_code == 200
        assert answer.json()["status"] == "pong"
        assert requests.get(f"{base}/healthz", timeout=5).ok
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
    lines = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "gunicorn.access"]
    about_ping = [line for line in lines if line.get("delivery_id") == "g-1"]
    assert len(about_ping) == 1
    assert about_ping[0]["logger"] == "gunicorn.access"
    assert '"POST /api/github/webhooks HTTP/1.1" 200' in about_ping[0]["event"]
    assert (about_ping[0]["status"], about_ping[0]["outcome"], about_ping[0]["github_event"]) == (
        200,
        "pong",
        "ping",
    )
    health = [line for line in access if "GET /healthz" in line["event"]]
    assert health
    assert all(line.get("delivery_id") is None and "outcome" not in line for line in health)
    assert WEBHOOK_SECRET not in errors
