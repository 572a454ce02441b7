"""The fixed benchmark sizes: simulator parameters with a fixed seed and end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from opskpi.simulator import GenerateParams

SEED = 42
END = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    """A benchmark size: the organisation to generate and how many runs by default."""

    name: str
    params: GenerateParams
    runs: int  # default number of runs of each timed figure (the median is reported)
    scrapes: int  # exporter scrapes (p50/p99 over them)
    sync_months: int  # the organisation served to the sync benchmark (an HTTP server)
    sync_incidents_per_day: float
    # issue 14's first sync (benchmarks/first_sync.py): 12 months of about 12,600 PagerDuty
    # incidents at 100k and 1m (the figure does not depend on the size), and which variants
    first_sync_months: int = 12
    first_sync_incidents_per_day: float = 42.25
    first_sync_variants: tuple[str, ...] = ("default", "no_cap")


SIZES: dict[str, Size] = {
    "tiny": Size(
        "tiny",
        GenerateParams(seed=SEED, end=END, months=1, incidents_per_day=12.0, deploys_per_day=4.0),
        runs=1,
        scrapes=50,
        sync_months=1,
        sync_incidents_per_day=6.0,
        first_sync_months=1,
        first_sync_incidents_per_day=3.0,
        first_sync_variants=("default",),
    ),
    # ~100,000 incidents in one year
    "100k": Size(
        "100k",
        GenerateParams(
            seed=SEED, end=END, months=12, incidents_per_day=270.0, deploys_per_day=20.0
        ),
        runs=5,
        scrapes=1000,
        sync_months=12,
        sync_incidents_per_day=12.0,
    ),
    # ~1,000,000 incidents over three years: a large team's whole PagerDuty history
    "1m": Size(
        "1m",
        GenerateParams(
            seed=SEED, end=END, months=36, incidents_per_day=900.0, deploys_per_day=60.0
        ),
        runs=5,
        scrapes=1000,
        sync_months=12,
        sync_incidents_per_day=12.0,
    ),
}
