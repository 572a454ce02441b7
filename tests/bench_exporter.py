"""Scrape and refresh times of the exporter on a demo-sized snapshot (not a test: run it).

    .venv/bin/python tests/bench_exporter.py [--snapshot data/demo/opskpi.serving.duckdb]

Without --snapshot it builds a generated warehouse the size of the demo's (a year at 12
incidents a day, 20 % Opsgenie, 8 deploys a day, postmortems with actions for sev1/sev2) with
the real models. Prints the refresh time (the only place DuckDB is queried) and p50/p99 of
1,000 HTTP scrapes, idle and while the snapshot reloads continuously.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).parent))

from payloads import action, argo_history, og_alert, pd_incident, pd_log, postmortem
from warehouse import TestWarehouse

from opskpi.etl.warehouse.build import publish
from opskpi.metrics.exporter.cache import SnapshotCache
from opskpi.metrics.exporter.server import Exporter, snapshot_builder

AS_OF = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
SOURCES = ("pagerduty", "opsgenie", "argocd", "postmortems")
SERVICES = [f"svc-{i:02d}" for i in range(20)]
PRIORITY = {"sev1": "P1", "sev2": "P2", "sev3": "P3", "sev4": "P4"}


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generated_warehouse(seed: int = 7, days: int = 365, per_day: float = 12.0) -> TestWarehouse:
    rnd = random.Random(seed)
    config: dict[str, Any] = {
        "services": {s: {"argocd_apps": [f"{s}-prod"]} for s in SERVICES[:15]},
    }
    wh = TestWarehouse(config)
    start = AS_OF - timedelta(days=days)
    incidents, logs, alerts, pms = [], [], [], []
    n = int(days * per_day)
    for i in range(n):
        created = start + timedelta(seconds=rnd.uniform(0, days * 86400))
        sev = rnd.choices(list(PRIORITY), (0.03, 0.12, 0.45, 0.40))[0]
        service = rnd.choice(SERVICES)
        tta = rnd.lognormvariate(6, 1.0) if rnd.random() > 0.03 else None
        ttr = rnd.lognormvariate(9, 1.1)
        is_open = rnd.random() < 0.004
        if rnd.random() < 0.2:
            alerts.append(
                og_alert(
                    f"og-{i}",
                    _iso(created),
                    status="open" if is_open else "closed",
                    priority=PRIORITY[sev],
                    ack_ms=int(tta * 1000) if tta else None,
                    close_ms=None if is_open else int(ttr * 1000),
                    details={"service": service},
                )
            )
            continue
        pid = f"PD{i:06d}"
        merged = rnd.random() < 0.015
        incidents.append(
            pd_incident(
                pid,
                _iso(created),
                status="triggered" if is_open else "resolved",
                resolved_at=None if is_open else _iso(created + timedelta(seconds=ttr)),
                priority=PRIORITY[sev],
                service=service,
                merged_into=f"PD{i - 1:06d}" if merged and i else None,
            )
        )
        if rnd.random() < 0.1:
            logs.append(
                pd_log(f"E{i}", pid, "escalate_log_entry", _iso(created + timedelta(seconds=240)))
            )
        if tta:
            logs.append(
                pd_log(
                    f"A{i}", pid, "acknowledge_log_entry", _iso(created + timedelta(seconds=tta))
                )
            )
        if sev in ("sev1", "sev2") and not is_open and rnd.random() < 0.8:
            published = created + timedelta(seconds=ttr + rnd.uniform(3600, 6 * 86400))
            due = (created + timedelta(days=rnd.randint(5, 40))).date()
            pms.append(
                postmortem(
                    f"pm/{pid}.md",
                    [f"pagerduty:{pid}"],
                    published_at=_iso(published),
                    root_cause=rnd.choice(["change", "capacity", "data", "external_dependency"]),
                    actions=[
                        action(
                            f"AC-{k}",
                            due.isoformat(),
                            rnd.choice(["Concluída", "Aberta"]),
                            completed_on=due.isoformat(),
                            must_fix=rnd.choice(["sim", "não"]),
                        )
                        for k in range(rnd.randint(1, 3))
                    ],
                )
            )
    deploys = []
    for j in range(int(days * 8)):
        app = f"{rnd.choice(SERVICES[:15])}-prod"
        at = start + timedelta(seconds=rnd.uniform(0, days * 86400))
        deploys.append((app, argo_history(j, f"{rnd.getrandbits(40):010x}", _iso(at))))
    wh.land("pagerduty", "incident", incidents)
    wh.land("pagerduty", "log_entry", logs)
    wh.land("opsgenie", "alert", alerts)
    for app in {a for a, _ in deploys}:
        wh.land(
            "argocd",
            "history_entry",
            [h for a, h in deploys if a == app],
            key=lambda r, app=app: f"{app}/{r['id']}",
            parent_id=app,
        )
    wh.land("postmortems", "postmortem", pms)
    wh.con.execute(
        "insert into sync_runs (run_id, source, started_at, finished_at, status, records) "
        "select i, s, now() - interval 1 hour, now(), 'success', 100 "
        "from (values (1, 'pagerduty'), (2, 'opsgenie'), (3, 'argocd'), (4, 'postmortems')) "
        "as t(i, s)"
    )
    return wh.build()


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.2f} ms"


def scrape_times(url: str, count: int) -> list[float]:
    times = []
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            response = session.get(url, timeout=30)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", type=Path, help="a published snapshot to serve")
    parser.add_argument("--scrapes", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="opskpi-bench-"))
    if args.snapshot:
        path, as_of = args.snapshot, datetime.now(UTC)
    else:
        started = time.perf_counter()
        wh = generated_warehouse()
        path, as_of = publish(wh.con, tmp / "opskpi.serving.duckdb"), AS_OF
        counts = wh.one(
            "select count(*) as incidents, (select count(*) from deploys) as deploys,"
            " (select count(*) from corrective_actions) as actions from incidents"
        )
        print(f"generated warehouse {counts} in {time.perf_counter() - started:.1f} s")
    print(f"snapshot {path}: {path.stat().st_size / 1e6:.1f} MB")
    cache = SnapshotCache(path, snapshot_builder(SOURCES, lambda: as_of), ttl_seconds=3600)
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        assert cache.refresh(), "snapshot did not load"
        loads.append(time.perf_counter() - started)
    samples = sum(len(f.samples) for f in cache.families)
    print(
        f"refresh (5 loads): median {statistics.median(loads):.3f} s, max {max(loads):.3f} s;"
        f" {len(cache.families)} families, {samples} samples"
    )
    with Exporter(cache, port=0, bind="127.0.0.1", poll_seconds=3600) as exporter:
        url = f"http://127.0.0.1:{exporter.port}/metrics"
        body = requests.get(url, timeout=30).content
        print(f"exposition {len(body)} bytes")
        scrape_times(url, 50)  # warm up
        print(f"{args.scrapes} scrapes, idle: {percentiles(scrape_times(url, args.scrapes))}")
        stop = threading.Event()

        def reload_forever() -> None:
            while not stop.is_set():
                cache.refresh()

        thread = threading.Thread(target=reload_forever)
        thread.start()
        try:
            busy = scrape_times(url, args.scrapes)
        finally:
            stop.set()
            thread.join()
        print(f"{args.scrapes} scrapes, while reloading continuously: {percentiles(busy)}")


if __name__ == "__main__":
    main()
