"""What the ISRCTN and CTIS stand-ins share: a reply, a server on 127.0.0.1 in its own
thread, failures a test queues, and running one by hand. Each stand-in keeps only what its
registry answers (``isrctn_standin``, ``ctis_standin``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = TEXT_TYPE


class Served:
    """A stand-in's running server. A subclass keeps ``requests`` (each with ``bytes_sent``)
    and starts itself with ``_serve``; a test queues failures with ``fail_next``."""

    requests: list[Any]

    def _serve(self, handler: type[BaseHTTPRequestHandler], port: int, prefix: str, name: str) -> None:
        self._failures: list[Reply] = []
        self._lock = threading.Lock()
        self._server = _Server(port, handler, self)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{prefix}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=name, daemon=True)
        self._thread.start()

    def fail_next(self, status: int, count: int = 1, body: str | None = None,
                  content_type: str = TEXT_TYPE) -> None:
        """Answer the next ``count`` requests with this reply: ``fail_next(503, count=4)``,
        ``fail_next(200, body="<html>...</html>", content_type="text/html")``."""
        reply = Reply(status, (HTTPStatus(status).phrase if body is None else body).encode("utf-8"), content_type)
        with self._lock:
            self._failures.extend([reply] * count)

    def _take_failure(self) -> Reply | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    @property
    def bytes_sent(self) -> int:
        return sum(r.bytes_sent for r in self.requests)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler], standin: Served) -> None:
        super().__init__(("127.0.0.1", port), handler)
        self.standin = standin


def send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    handler.send_header("Content-Length", str(len(reply.body)))
    handler.end_headers()
    handler.wfile.write(reply.body)


def run_by_hand(standin: Served, what: str) -> None:
    """Serve until Ctrl-C, for ``python -m tests.support.<registry>_standin``."""
    with standin:
        print(f"Serving {what} at {standin.url} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
