"""First-sync figure: a full PagerDuty sync (``etl.sync.run_sync``) of an organisation of
about 12,600 PagerDuty incidents with the custom fields read (one request per incident),
against the simulator answering 10 % of its requests 429 or 500, and the requests per second
it achieved against the source's limit.

The faults: every 20th PagerDuty request is answered 429 (``ratelimit-reset: 1``, PagerDuty's
headers) and every 20th of the others 500, in the order they arrive (``Fault.every``). A 429
holds every worker of the source for its second (``etl.http.throttle``): the credential's
budget is spent, for all of them.

Variants (each a first sync into a new warehouse, same organisation and faults):

* ``default``: the shipped settings, 8 requests in flight, at most 960 a minute (PagerDuty's
  limit per API key): what a first sync costs against PagerDuty itself;
* ``no_cap``: 8 in flight, ``max_requests_per_minute = 0`` (the simulator has no limit):
  what the code does when the API allows more;
* ``sequential`` (only where asked for): ``concurrency = 1``, as before issue 14.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.measure import timed
from opskpi.config import settings_from_dict
from opskpi.simulator import SimulatorServer, SimulatorTokens, generate
from opskpi.simulator.pagerduty import RELEASE_FIELD, ROOT_CAUSE_FIELD

TOKEN_ENV = "OPSKPI_BENCH_SIM_PD_TOKEN"
FAULT_EVERY = 20  # 429 on every 20th request, 500 on every 20th of the others: 10 %
LIMIT_PER_MINUTE = 960  # PagerDuty's, the default of [sources.pagerduty]
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "no_cap": {"max_requests_per_minute": 0},
    "sequential": {"concurrency": 1},
}


class DetailsLog(logging.Handler):
    """Keeps what the details pass logs about its requests (``extra`` of its log line)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.passes: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        what = getattr(record, "details_pass", None)
        if what is not None:
            self.passes.append(
                {
                    "pass": what,
                    "requests": record.details_requests,  # type: ignore[attr-defined]
                    "seconds": record.details_seconds,  # type: ignore[attr-defined]
                }
            )


# one line per retried fault (about 1,500 of them): not on the console
QUIETED = ("opskpi.etl.http.policy", "pagerduty.api_client", "pagerduty")


@contextmanager
def details_log() -> Iterator[DetailsLog]:
    logger = logging.getLogger("opskpi.sources.pagerduty")
    handler, level = DetailsLog(), logger.level
    quieted = {name: logging.getLogger(name).level for name in QUIETED}
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    for name in QUIETED:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        for name, was in quieted.items():
            logging.getLogger(name).setLevel(was)


def _count(path: Path, object_type: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select count(*) from raw_objects where source = 'pagerduty' and object_type = ?",
            [object_type],
        ).fetchall()
        return int(rows[0][0])
    finally:
        con.close()


def one_sync(folder: Path, sim: SimulatorServer, variant: str, months: int) -> dict[str, Any]:
    """A first sync of ``variant`` into a new warehouse in ``folder``."""
    from opskpi.etl.sync import run_sync

    warehouse = folder / f"first-sync-{variant}.duckdb"
    for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    source = {"base_url": sim.pagerduty_url, "token_env": TOKEN_ENV, **VARIANTS[variant]}
    settings = settings_from_dict(
        {
            "warehouse": {"path": str(warehouse)},
            "sources": {"pagerduty": source},
            "sync": {"initial_lookback": f"{months * 31 + 1}d"},
            "taxonomy": {"pagerduty_field": ROOT_CAUSE_FIELD},
            "releases": {"pagerduty_field": RELEASE_FIELD},
        },
        base_dir=folder,
        origin="benchmark",
    )
    pd = settings.model.sources.pagerduty
    assert pd is not None
    sim.reset_counts()
    sim.clear_faults()
    sim.faults.served.clear()
    sim.add_fault(path="^/pagerduty/", kind="rate_limit", every=FAULT_EVERY, count=10**9)
    sim.add_fault(path="^/pagerduty/", kind="status", status=500, every=FAULT_EVERY, count=10**9)
    now = sim.now
    with details_log() as log:
        seconds, report = timed(
            lambda: run_sync(settings, sources=["pagerduty"], full=True, now=lambda: now)
        )
    sim.clear_faults()
    counts = sim.request_counts()
    if not report.ok:
        return {"skipped": f"the sync failed: {report.results[0].error}"}
    requests = int(counts["by_api"].get("pagerduty", 0))
    limit = pd.max_requests_per_minute or None
    details = {p["pass"]: p for p in log.passes}
    detail_requests = sum(p["requests"] for p in log.passes)
    detail_seconds = sum(p["seconds"] for p in log.passes)
    return {
        "concurrency": pd.concurrency,
        "max_requests_per_minute": limit,
        "seconds": seconds,
        "minutes": seconds / 60,
        "requests": requests,
        "faults": dict(sim.faults.served),
        "requests_per_second": requests / seconds,
        "limit_per_second": limit / 60 if limit else None,
        "share_of_limit": requests / seconds / (limit / 60) if limit else None,
        "details": details,
        "detail_requests_per_second": (
            detail_requests / detail_seconds if detail_seconds else None
        ),
        "incidents": _count(warehouse, "incident"),
        "custom_fields": _count(warehouse, "incident_custom_fields"),
        # the least a first sync can take at the limit: every request inside the budget
        "floor_minutes_at_limit": requests / limit if limit else None,
    }


def first_sync(
    folder: Path,
    seed: int,
    end: datetime,
    months: int,
    per_day: float,
    variants: tuple[str, ...] = ("default", "no_cap"),
) -> dict[str, Any]:
    """The first-sync figure of each variant (see the module)."""
    org = generate(seed=seed, end=end, months=months, incidents_per_day=per_day)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[TOKEN_ENV] = SimulatorTokens().pagerduty
    out: dict[str, Any] = {
        "pagerduty_incidents": sum(1 for i in org.incidents if i.source == "pagerduty"),
        "faults": f"every {FAULT_EVERY}th request 429 (ratelimit-reset 1 s), every "
        f"{FAULT_EVERY}th of the others 500",
        "limit_per_minute": LIMIT_PER_MINUTE,
    }
    with SimulatorServer(org) as sim:
        for variant in variants:
            out[variant] = one_sync(folder, sim, variant, months)
    return out
