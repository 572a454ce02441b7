"""The exporter's HTTP server: an event loop on its own thread, a real listen backlog,
keep-alive.

prometheus_client's ``start_http_server`` (wsgiref, HTTP/1.0, a thread per connection, a
listen backlog of 5) refused or timed out connections as soon as a few dozen clients scraped at
once (docs/benchmarks.md). Here the backlog holds :data:`BACKLOG` pending connections, one
asyncio loop serves every connection (no thread to start per scrape), a connection may carry
many scrapes (HTTP/1.1 keep-alive, as Prometheus does), and the exposition is rendered once per
change of what the registry serves (a new snapshot load, a failed load), not once per scrape:
a scrape only writes bytes already made, plain or gzip, text or OpenMetrics as asked. GET and
HEAD of ``/metrics`` (or ``/``) only; a request head over 64 KiB closes the connection.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus

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


class MetricsServer:
    """``/metrics`` on ``bind:port`` (0: a free port), served by an asyncio loop on a daemon
    thread. ``server_port``; ``shutdown()`` then ``server_close()`` stop it."""

    def __init__(self, bind: str, port: int, exposition: Exposition) -> None:
        self.exposition = exposition
        self.server_port = 0
        self._bind, self._port = bind, port
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="opskpi-exporter", daemon=True)

    def start(self) -> MetricsServer:
        self._thread.start()
        self._started.wait()
        if self._error is not None:  # e.g. the port is taken: raised in the caller's thread
            raise self._error
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, self._bind, self._port, backlog=BACKLOG)
            )
            self.server_port = int(self._server.sockets[0].getsockname()[1])
        except BaseException as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._server.close()
        # the connections still open (kept alive, idle): closed before the loop is
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def shutdown(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def server_close(self) -> None:
        return None  # the loop closed its sockets on shutdown

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:  # headers and body leave at once, never behind a delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except TimeoutError:
            pass  # an idle kept-alive connection
        except asyncio.CancelledError:
            pass  # the server stops: the connection ends here, quietly
        finally:
            writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; True to keep the connection for another."""
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_SECONDS)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await _answer(writer, HTTPStatus.BAD_REQUEST, b"bad request\n", "", keep=False)
            return False
        method, target, version = parts
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > 65536:
            await _answer(writer, HTTPStatus.BAD_REQUEST, b"bad request\n", "", keep=False)
            return False
        if int(length):
            await reader.readexactly(int(length))  # a body nobody asked for: read past it
        connection = headers.get("connection", "").lower()
        keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        head_only = method == "HEAD"
        if method not in ("GET", "HEAD"):
            body, status, content_type, gzipped = (
                b"GET only\n",
                HTTPStatus.METHOD_NOT_ALLOWED,
                "",
                False,
            )
        elif target.split("?", 1)[0] not in PATHS:
            body, status = b"not found: the metrics are at /metrics\n", HTTPStatus.NOT_FOUND
            content_type, gzipped = "", False
        else:
            gzipped = "gzip" in headers.get("accept-encoding", "")
            try:
                body, content_type = self.exposition.body(headers.get("accept"), gzipped)
                status = HTTPStatus.OK
            except Exception as exc:  # a collector bug: an answer, not a dropped connection
                body = f"cannot render the metrics: {type(exc).__name__}\n".encode()
                status, content_type, gzipped = HTTPStatus.INTERNAL_SERVER_ERROR, "", False
        await _answer(
            writer, status, body, content_type, keep=keep, gzipped=gzipped, head_only=head_only
        )
        return keep


async def _answer(
    writer: asyncio.StreamWriter,
    status: HTTPStatus,
    body: bytes,
    content_type: str,
    *,
    keep: bool,
    gzipped: bool = False,
    head_only: bool = False,
) -> None:
    lines = [
        f"HTTP/1.1 {status.value} {status.phrase}",
        f"Content-Type: {content_type or 'text/plain; charset=utf-8'}",
        f"Content-Length: {len(body)}",
        f"Connection: {'keep-alive' if keep else 'close'}",
    ]
    if gzipped:
        lines.append("Content-Encoding: gzip")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body))
    await writer.drain()


def start_server(
    bind: str, port: int, registry: CollectorRegistry, version: Callable[[], Version]
) -> tuple[MetricsServer, threading.Thread]:
    """Serve ``registry`` on ``bind:port`` (0: a free port) from a background thread."""
    server = MetricsServer(bind, port, Exposition(registry, version)).start()
    return server, server._thread
