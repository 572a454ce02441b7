"""Exporter figures: scrape latency of ``/metrics`` over loopback (``metrics.exporter``)."""

from __future__ import annotations

import time
from datetime import datetime
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
    }
