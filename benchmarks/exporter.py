"""Exporter figures: scrape latency of ``/metrics`` over loopback (``metrics.exporter``), one
client on a kept-alive connection, and 200 clients at once each on a new connection."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from benchmarks.measure import percentile, timed
from opskpi.config import Settings


def scrape_latency(
    settings: Settings, as_of: datetime, scrapes: int, rounds: int
) -> dict[str, Any]:
    """``rounds`` × ``scrapes`` GETs of ``/metrics`` on 127.0.0.1 (a free port)."""
    try:
        from opskpi.metrics.exporter.server import Exporter, snapshot_cache
    except ImportError as exc:  # the exporter is another engineer's work in progress
        return {"skipped": f"metrics.exporter is not usable: {exc}"}
    cache = snapshot_cache(settings, clock=lambda: as_of)
    exporter = Exporter(cache, port=0, bind="127.0.0.1")
    start_seconds, _ = timed(exporter.start)
    concurrent: dict[str, Any] = {}
    p50s: list[float] = []
    p99s: list[float] = []
    maxima: list[float] = []
    size = 0
    try:
        url = f"http://127.0.0.1:{exporter.port}/metrics"
        with requests.Session() as session:
            for _ in range(max(1, rounds)):
                latencies: list[float] = []
                for _ in range(scrapes):
                    started = time.perf_counter()
                    reply = session.get(url, timeout=10)
                    reply.raise_for_status()
                    size = len(reply.content)
                    latencies.append(time.perf_counter() - started)
                p50s.append(percentile(latencies, 50))
                p99s.append(percentile(latencies, 99))
                maxima.append(max(latencies))
        concurrent = concurrent_scrapes(exporter.port, CLIENTS, SCRAPES_PER_CLIENT, rounds)
    finally:
        exporter.stop()
    return {
        "rounds": max(1, rounds),
        "scrapes": scrapes,
        "start_seconds": start_seconds,  # the first snapshot load: every family computed
        "p50_seconds": sorted(p50s)[len(p50s) // 2],
        "p99_seconds": sorted(p99s)[len(p99s) // 2],
        "p50_runs": p50s,
        "p99_runs": p99s,
        "max_seconds": max(maxima),
        "bytes": size,
        "concurrent": concurrent,
    }


ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 200
SCRAPES_PER_CLIENT = 5
TIMEOUT = 10.0  # seconds: a scrape slower than this is counted as an error


def concurrent_scrapes(port: int, clients: int, scrapes: int, rounds: int) -> dict[str, Any]:
    """``clients`` threads released together, each making ``scrapes`` GETs of ``/metrics``,
    every one on a new TCP connection (as many Prometheus servers, or a crowd of curl, would);
    latency from connect to the last byte, errors counted (refused, reset, timed out, not 200).
    The clients run in :data:`PROCESSES` other processes (the exporter's GIL is not theirs),
    released at one instant. ``rounds`` times; the median round's percentiles are reported."""
    p50s: list[float] = []
    p99s: list[float] = []
    maxima: list[float] = []
    errors: list[int] = []
    for _ in range(max(1, rounds)):
        latencies, failed = _round_in_processes(port, clients, scrapes)
        errors.append(failed)
        if latencies:
            p50s.append(percentile(latencies, 50))
            p99s.append(percentile(latencies, 99))
            maxima.append(max(latencies))
    middle = len(p99s) // 2
    return {
        "clients": clients,
        "scrapes_per_client": scrapes,
        "rounds": max(1, rounds),
        "p50_seconds": sorted(p50s)[middle] if p50s else None,
        "p99_seconds": sorted(p99s)[middle] if p99s else None,
        "p99_runs": p99s,
        "max_seconds": max(maxima) if maxima else None,
        "errors": sum(errors),
        "errors_runs": errors,
    }


PROCESSES = 4


def _round_in_processes(port: int, clients: int, scrapes: int) -> tuple[list[float], int]:
    """One round: ``clients`` spread over :data:`PROCESSES` processes, all starting together."""
    start_at = time.time() + 2.0  # every process is up and its threads are waiting by then
    share = [clients // PROCESSES + (i < clients % PROCESSES) for i in range(PROCESSES)]
    code = (
        "import json, sys; from benchmarks.exporter import _concurrent_round; "
        "print(json.dumps(_concurrent_round(*map(int, sys.argv[1:4]), float(sys.argv[4]))))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(port), str(n), str(scrapes), repr(start_at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in share
        if n
    ]
    latencies: list[float] = []
    failed = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        got, errors = json.loads(out)
        latencies += got
        failed += errors
    return latencies, failed


def _concurrent_round(
    port: int, clients: int, scrapes: int, start_at: float | None = None
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client() -> None:
        start.wait()
        if start_at is not None:
            time.sleep(max(0.0, start_at - time.time()))
        for _ in range(scrapes):
            began = time.perf_counter()
            ok = _scrape_once(port)
            took = time.perf_counter() - began
            with lock:
                if ok:
                    latencies.append(took)
                else:
                    failed[0] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failed[0]


def _scrape_once(port: int) -> bool:
    """One GET of /metrics on a new connection, closed after: True if a whole 200 came."""
    try:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            con.request("GET", "/metrics", headers={"Connection": "close"})
            reply = con.getresponse()
            reply.read()
            return reply.status == 200
        finally:
            con.close()
    except OSError:
        return False
