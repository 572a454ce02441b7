"""Requests of a JSM Operations sync, per endpoint and per 1,000 alerts, against the simulator:
``python -m benchmarks.jsm_requests``.

The demo organisation's shape (seed 42, twelve months to 2026-03-01, its Opsgenie account moving
to JSM Operations halfway), denser (60 incidents a day, half of them Opsgenie/JSM alerts), the
JSM source alone with pages of 100 and the default ``[sync]`` look-backs:

1. a first sync one day before the end (every alert new);
2. the same sync again (nothing changed upstream);
3. a sync a day later (the new day's alerts, and the changes of those still open).

The counts are the connector's own per endpoint (``JsmConnector.stats``), checked against the
simulator's count of the requests it answered.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opskpi.config import settings_from_dict
from opskpi.etl.context import SyncContext
from opskpi.etl.sources.jsm.connector import JsmConnector
from opskpi.etl.warehouse.connect import open_writer
from opskpi.simulator import SimulatorServer, generate
from opskpi.simulator.generate import GenerateParams
from opskpi.simulator.jsm import mid_period

END = datetime(2026, 3, 1, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jsm_requests", description=__doc__)
    parser.add_argument("--per-day", type=float, default=60.0, help="incidents a day (60)")
    args = parser.parse_args(argv)
    params = GenerateParams(seed=42, end=END, months=12)
    at = mid_period(params.start_utc, params.end_utc, "America/Sao_Paulo")
    org = generate(
        42,
        END,
        months=12,
        incidents_per_day=args.per_day,
        opsgenie_share=0.5,
        jsm_migration_at=at,
        postmortems=False,
    )
    folder = Path(tempfile.mkdtemp(prefix="opskpi-jsm-requests-"))
    with SimulatorServer(org, now=END - timedelta(days=1)) as sim:
        (folder / "email").write_text(sim.tokens.jsm_email)
        (folder / "token").write_text(sim.tokens.jsm_api_token)
        settings = settings_from_dict(
            {
                "sources": {
                    "jsm": {
                        "base_url": sim.jsm_url,
                        "site": sim.jsm_site_url,
                        "email_file": "email",
                        "api_token_file": "token",
                    }
                }
            },
            base_dir=folder,
            origin="benchmark",
        )
        con = open_writer(folder / "w.duckdb")
        try:
            for run, label in enumerate(("first sync", "again, no change", "a day later"), 1):
                if run == 3:
                    sim.advance(timedelta(days=1))
                sim.reset_counts()
                ctx = SyncContext(con, settings, "jsm", run, False, datetime.now(UTC))
                ctx.now = lambda: sim.now
                connector = JsmConnector(settings)
                connector.sync(ctx)
                assert ctx.requests == sim.request_counts()["total"]
                alerts = ctx.totals["alert"].received if "alert" in ctx.totals else 0
                listed = sum(1 for i in sim.world.jsm if i.created_at <= sim.now)
                print(
                    f"{label}: {ctx.requests:,} requests, {alerts:,} alerts landed or changed "
                    f"of {listed:,} in JSM"
                )
                for endpoint, n in sorted(connector.stats.items()):
                    per = f"{1000 * n / alerts:,.1f} per 1,000 alerts" if run == 1 else ""
                    print(f"  {endpoint:40} {n:7,}  {per}")
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
