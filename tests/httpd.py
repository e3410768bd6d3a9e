"""A small real HTTP server for tests of outbound fetches: answers from a table of
paths, and records every request it gets (path and Host header)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the body: a slow server


@dataclass
class Site:
    host: str
    port: int
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.seen.append((self.path, self.headers.get("Host", "")))
            answer = site.answers.get(self.path, Answer(404, b"not here"))
            self.send_response(answer.status)
            headers = {"Content-Length": str(len(answer.body)), **answer.headers}
            for name, value in headers.items():
                if value:  # an empty value leaves the header out
                    self.send_header(name, value)
            self.end_headers()
            if answer.delay_s:
                time.sleep(answer.delay_s)
            # The client may give up before the end, as it should past a cap.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer.body)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[Site]:
    site = Site(host, 0)
    server = ThreadingHTTPServer((host, 0), _handler(site))
    site.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
