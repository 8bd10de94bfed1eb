"""A notification endpoint on a real local port: it records every request and answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Endpoint:
    """Records requests; answers 200 unless ``statuses`` names another status for the path."""

    url: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        self.received.append(Received(request.path, dict(request.headers), request.get_data()))
        status = self.statuses.get(request.path, 200)
        answer = Response("ok" if status < 400 else "no such hook", status=status)
        return answer(environ, start_response)

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(item.body) for item in self.received if item.path == path]


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    recorder = Endpoint()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, recorder, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_port}"
    yield recorder
    server.shutdown()
