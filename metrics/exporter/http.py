"""The exporter's HTTP server: one thread per connection, a real listen backlog, keep-alive.

prometheus_client's ``start_http_server`` (wsgiref, HTTP/1.0, a listen backlog of 5) refused
or timed out connections as soon as a few dozen clients scraped at once (docs/benchmarks.md).
Here the backlog holds :data:`BACKLOG` pending connections, a connection may carry many
scrapes (HTTP/1.1 keep-alive, as Prometheus does), and the exposition text is rendered once per
change of what the registry serves (a new snapshot load, a failed load), not once per scrape:
a scrape only writes bytes already made, plain or gzip, text or OpenMetrics as asked.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

BACKLOG = 1024  # pending connections the kernel queues (capped by net.core.somaxconn)
IDLE_SECONDS = 60.0  # a kept-alive connection idle this long is closed
PATHS = ("/metrics", "/")


Version = tuple[object, ...]  # what the exposition depends on, compared item by item with `is`


def _same(a: Version, b: Version) -> bool:
    return len(a) == len(b) and all(
        x is y or (type(x) is int and x == y) for x, y in zip(a, b, strict=True)
    )


class Exposition:
    """The registry's exposition as bytes, re-rendered only when ``version()`` changes (the
    objects it returns are held, so an identity is never reused for other content)."""

    def __init__(self, registry: CollectorRegistry, version: Callable[[], Version]) -> None:
        self._registry = registry
        self._version = version
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, bool], tuple[Version, bytes, str]] = {}

    def body(self, accept: str | None, gzipped: bool) -> tuple[bytes, str]:
        """(body, content type) for an ``Accept`` header, gzip-compressed if asked."""
        encoder, content_type = choose_encoder(accept or "")
        key = (content_type, gzipped)
        version = self._version()
        cached = self._cache.get(key)
        if cached is not None and _same(cached[0], version):
            return cached[1], cached[2]
        with self._lock:  # one render at a time; the others wait for its bytes
            cached = self._cache.get(key)
            if cached is not None and _same(cached[0], version):
                return cached[1], cached[2]
            data = encoder(self._registry)
            if gzipped:
                data = gzip.compress(data, compresslevel=6, mtime=0)
            self._cache[key] = (version, data, content_type)
            return data, content_type


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = IDLE_SECONDS
    server: MetricsServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path not in PATHS:
            self._send(404, b"not found: the metrics are at /metrics\n", "text/plain")
            return
        gzipped = "gzip" in (self.headers.get("Accept-Encoding") or "")
        try:
            body, content_type = self.server.exposition.body(self.headers.get("Accept"), gzipped)
        except Exception as exc:  # a collector bug: an answer, not a dropped connection
            self._send(500, f"cannot render the metrics: {type(exc).__name__}\n".encode(), "")
            return
        self._send(200, body, content_type, gzipped=gzipped)

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, status: int, body: bytes, content_type: str, *, gzipped: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None  # a scrape is not worth a log line


class MetricsServer(ThreadingHTTPServer):
    """A thread per connection (daemon threads: stopping never waits for an idle client)."""

    daemon_threads = True
    request_queue_size = BACKLOG
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], exposition: Exposition) -> None:
        self.exposition = exposition
        super().__init__(address, _Handler)


def start_server(
    bind: str, port: int, registry: CollectorRegistry, version: Callable[[], Version]
) -> tuple[MetricsServer, threading.Thread]:
    """Serve ``registry`` on ``bind:port`` (0: a free port) from a background thread."""
    server = MetricsServer((bind, port), Exposition(registry, version))
    thread = threading.Thread(target=server.serve_forever, name="opskpi-exporter", daemon=True)
    thread.start()
    return server, thread
