"""One loopback HTTP server for the fake APIs, with a clock, accounting and faults.

Paths: ``{url}/pagerduty/...``, ``{url}/opsgenie/...``, ``{url}/argocd/api/v1/...``,
``{url}/jsm/ops/...`` (JSM Operations: the simulator's root stands for api.atlassian.com) and
``{url}/site/_edge/tenant_info`` (the Atlassian site); control endpoints under ``{url}/_sim/``
(``requests``, ``faults``, ``clock``, ``summary``).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict

from opskpi.simulator import argocd, jsm_api, opsgenie_api, pagerduty_api
from opskpi.simulator.faults import Fault, FaultInjector, corrupt, fault_response
from opskpi.simulator.jsm import cloud_id as jsm_cloud_id
from opskpi.simulator.org import Organisation
from opskpi.simulator.routing import HttpError, Request, Response
from opskpi.simulator.timeutil import ACCOUNT_TZ_NAME, parse_instant
from opskpi.simulator.world import World

APIS = ("pagerduty", "opsgenie", "argocd", "jsm", "site")


@dataclass(frozen=True)
class SimulatorTokens:
    """Credentials the simulator accepts (demo values, not secrets)."""

    pagerduty: str = "sim-pagerduty-token"
    opsgenie: str = "sim-opsgenie-key"
    argocd: str = "sim-argocd-token"
    argocd_username: str = "admin"
    argocd_password: str = "sim-argocd-password"
    jsm_email: str = "ops-bot@construtora.example"
    jsm_api_token: str = "sim-jsm-api-token"
    jsm_comms_scope: bool = True  # False: stakeholder-comms answers 403, as for a narrow token


class SimulatorServer:
    """Serves ``org`` as of its own clock ``now`` (default ``org.end``) on loopback."""

    def __init__(
        self,
        org: Organisation,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: SimulatorTokens | None = None,
        now: datetime | None = None,
    ) -> None:
        self.org = org
        self.tokens = tokens or SimulatorTokens()
        self.faults = FaultInjector()
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._now = (now or org.end).astimezone(UTC)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.simulator = self
        self.world = World(org, self.url)

    # --- addresses ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def pagerduty_url(self) -> str:
        return f"{self.url}/pagerduty"

    @property
    def opsgenie_url(self) -> str:
        return f"{self.url}/opsgenie"

    @property
    def argocd_url(self) -> str:
        return f"{self.url}/argocd"

    @property
    def jsm_url(self) -> str:
        """JSM Operations' base URL (``api.atlassian.com``): the API is under ``/jsm/ops/``."""
        return self.url

    @property
    def jsm_site_url(self) -> str:
        """The Atlassian site (``https://<name>.atlassian.net``) with ``/_edge/tenant_info``."""
        return f"{self.url}/site"

    # --- clock ---------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward (or back with a negative delta); returns the new now."""
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set_now(self, now: datetime) -> None:
        with self._lock:
            self._now = now.astimezone(UTC)

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> SimulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, name="opskpi-simulator", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` is called from another thread."""
        self._serving.set()
        try:
            self._httpd.serve_forever(poll_interval=0.05)
        finally:
            self._serving.clear()

    def stop(self) -> None:
        if self._thread is not None or self._serving.is_set():
            self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- accounting and faults ----------------------------------------------------------
    def count(self, path: str) -> None:
        api = path.strip("/").split("/", 1)[0]
        with self._lock:
            self._counts[f"api:{api}"] += 1
            self._counts[f"path:{path}"] += 1
            self._counts["total"] += 1

    def request_counts(self) -> dict[str, Any]:
        """``{"total": n, "by_api": {"pagerduty": n}, "by_path": {"/pagerduty/incidents": n}}``."""
        with self._lock:
            counts = dict(self._counts)
        return {
            "total": counts.get("total", 0),
            "by_api": {k[4:]: v for k, v in sorted(counts.items()) if k.startswith("api:")},
            "by_path": {k[5:]: v for k, v in sorted(counts.items()) if k.startswith("path:")},
        }

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def add_fault(self, fault: Fault | None = None, **spec: Any) -> Fault:
        """``server.add_fault(path="/incidents$", kind="rate_limit", count=2)``."""
        fault = fault or Fault(**spec)
        self.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def summary(self) -> dict[str, Any]:
        now = self.now
        visible = [i for i in self.org.incidents if i.created_at <= now]
        return {
            "now": now.isoformat(),
            "start": self.org.start.isoformat(),
            "end": self.org.end.isoformat(),
            "seed": self.org.seed,
            "incidents": {
                "pagerduty": sum(1 for i in visible if i.source == "pagerduty"),
                "opsgenie_alerts": sum(1 for i in visible if i.source == "opsgenie"),
                "opsgenie_incidents": sum(1 for i in visible if i.og_incident_id),
                "jsm_alerts": sum(1 for i in self.world.jsm if i.created_at <= now),
                "opsgenie_alerts_served": sum(1 for i in self.world.og if i.created_at <= now),
                "open": sum(1 for i in visible if i.resolved_at_view(now) is None),
            },
            "deploys": sum(1 for d in self.org.deploys if d.deployed_at <= now),
            "postmortems": sum(1 for p in self.org.postmortems if p.published_at <= now),
            "services": len(self.org.services),
            "teams": len(self.org.teams),
            "apps": len(self.org.apps),
        }


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # connections waiting to be accepted: a client sends several requests at once (its
    # detail requests in flight); socketserver's 5 drops the rest of a burst on a busy machine
    request_queue_size = 128
    simulator: SimulatorServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "opskpi-simulator/1"

    def setup(self) -> None:
        super().setup()
        # one small response per request: without this, Nagle + delayed ACK add ~40 ms each
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        sim = self.server.simulator
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/_sim/") or path == "/_sim":
            self._send(_control(sim, method, path, body))
            return
        api, _, rest = path.lstrip("/").partition("/")
        sim.count(path)
        if api not in APIS:
            self._send(Response(404, {"message": f"unknown API prefix in {path}"}))
            return
        fault = sim.faults.take(method, path)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        if fault is not None and fault.kind in ("rate_limit", "status"):
            self._send(fault_response(api, fault))
            return
        request = Request(
            method=method,
            path="/" + rest,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=CaseInsensitiveDict(self.headers.items()),
            body=body,
            now=sim.now,
            world=sim.world,
            prefix=f"/{api}",
        )
        response = _dispatch(sim, api, request)
        if fault is not None and fault.kind == "malformed" and response.status == 200:
            corrupt(response.body, fault.malformed, fault.record)
        self._send(response)

    def _send(self, response: Response) -> None:
        if isinstance(response.body, bytes | str):
            payload = response.body.encode() if isinstance(response.body, str) else response.body
        elif response.body is None:
            payload = b""
        else:
            payload = json.dumps(response.body, ensure_ascii=False, separators=(",", ":")).encode()
        self.send_response(response.status)
        if payload:
            self.send_header("Content-Type", response.content_type)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        buffer: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]
        buffer.append(b"\r\n")  # end_headers(), sent in one write with the body
        self.wfile.write(b"".join(buffer) + payload)
        buffer.clear()


def _dispatch(sim: SimulatorServer, api: str, request: Request) -> Response:
    tokens = sim.tokens
    if api == "pagerduty":
        if not pagerduty_api.authorised(request, tokens.pagerduty):
            return pagerduty_api.unauthorised()
        return pagerduty_api.handle(request)
    if api == "opsgenie":
        if not opsgenie_api.authorised(request, tokens.opsgenie):
            return opsgenie_api.unauthorised()
        return opsgenie_api.handle(request)
    if api == "site":
        return jsm_api.tenant_info(request)
    if api == "jsm":
        if not jsm_api.authorised(request, tokens.jsm_email, tokens.jsm_api_token):
            return jsm_api.unauthorised()
        return jsm_api.handle(request, comms_scope=tokens.jsm_comms_scope)
    try:
        if request.path == "/api/v1/session" and request.method == "POST":
            return argocd.session_response(
                request, tokens.argocd_username, tokens.argocd_password, tokens.argocd
            )
    except (HttpError, ValueError) as exc:
        return exc.response if isinstance(exc, HttpError) else Response(400, {"error": str(exc)})
    if not argocd.authorised(request, tokens.argocd):
        return argocd.unauthorised()
    if request.path == "/api/v1/session/userinfo":
        return argocd.userinfo(request, tokens.argocd_username)
    return argocd.handle(request)


def _control(sim: SimulatorServer, method: str, path: str, body: bytes) -> Response:
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return Response(400, {"error": "body is not JSON"})
    if path == "/_sim/requests":
        if method == "DELETE":
            sim.reset_counts()
        return Response(200, sim.request_counts())
    if path == "/_sim/faults":
        if method == "DELETE":
            sim.clear_faults()
        elif method == "POST":
            try:
                specs = data if isinstance(data, list) else [data]
                for spec in specs:
                    sim.add_fault(Fault.from_json(spec))
            except (TypeError, ValueError) as exc:
                return Response(400, {"error": str(exc)})
        return Response(200, {"faults": sim.faults.pending()})
    if path == "/_sim/clock":
        if method == "POST":
            try:
                if "now" in data:
                    sim.set_now(parse_instant(str(data["now"]), UTC))
                else:
                    sim.advance(timedelta(seconds=float(data.get("advance_seconds", 0))))
            except (TypeError, ValueError) as exc:
                return Response(400, {"error": str(exc)})
        return Response(200, {"now": sim.now.isoformat()})
    if path == "/_sim/summary":
        return Response(200, sim.summary())
    return Response(404, {"error": f"unknown control endpoint {path}"})


def run(
    port: int,
    seed: int,
    *,
    host: str = "127.0.0.1",
    end: datetime | None = None,
    months: int = 12,
    incidents_per_day: float = 12.0,
    tokens: SimulatorTokens | None = None,
    out: TextIO | None = None,
    on_ready: Callable[[SimulatorServer], None] | None = None,
) -> None:
    """Generate the demo organisation and serve it until interrupted (``opskpi simulate``)."""
    from opskpi.simulator.generate import generate

    stream = out or sys.stdout
    end = end or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    from opskpi.simulator.generate import GenerateParams
    from opskpi.simulator.jsm import mid_period

    window = GenerateParams(seed=seed, end=end, months=months)
    migration = mid_period(window.start_utc, window.end_utc, ACCOUNT_TZ_NAME)
    org = generate(
        seed,
        end,
        months=months,
        incidents_per_day=incidents_per_day,
        jsm_migration_at=migration,
    )
    server = SimulatorServer(org, host=host, port=port, tokens=tokens)
    t = server.tokens
    lines = [
        f"opskpi simulator: seed {seed}, {len(org.incidents)} incidents, "
        f"{len(org.deploys)} deploys, {len(org.postmortems)} postmortems, "
        f"clock at {server.now.isoformat()}",
        f"  PagerDuty  {server.pagerduty_url}  (Authorization: Token token={t.pagerduty})",
        f"  Opsgenie   {server.opsgenie_url}  (Authorization: GenieKey {t.opsgenie})",
        f"  Argo CD    {server.argocd_url}  (Authorization: Bearer {t.argocd}; "
        f"or POST /api/v1/session as {t.argocd_username} / {t.argocd_password})",
        f"  JSM Ops    {server.jsm_url}/jsm/ops/api/{jsm_cloud_id(org)}/v1  (Basic "
        f"{t.jsm_email} : {t.jsm_api_token}; site {server.jsm_site_url}; Opsgenie moved "
        f"there on {migration.date().isoformat()})",
        f"  Control    {server.url}/_sim/summary  /_sim/requests  /_sim/faults  /_sim/clock",
    ]
    print("\n".join(lines), file=stream, flush=True)
    if on_ready is not None:
        on_ready(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
