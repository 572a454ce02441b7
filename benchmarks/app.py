"""App figure: first render of the overview page with ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.measure import Timing, timed
from opskpi import sql

APP_FILE = sql.SQL_DIR.parent / "app" / "web" / "main.py"


def first_render(config_file: Path, as_of: datetime, runs: int) -> dict[str, Any]:
    """A new AppTest per run (a first render: no Streamlit cache), pinned at ``as_of``."""
    if not APP_FILE.is_file():
        return {"skipped": f"{APP_FILE.relative_to(APP_FILE.parents[1])} is not there yet"}
    try:
        import streamlit as st
        from streamlit.testing.v1 import AppTest
    except ImportError as exc:
        return {"skipped": f"streamlit.testing is not available: {exc}"}
    previous = os.environ.get("OPSKPI_CONFIG")
    os.environ["OPSKPI_CONFIG"] = str(config_file)
    timing = Timing()
    problems: list[str] = []
    metrics: list[str] = []
    try:
        for _ in range(max(1, runs)):
            st.cache_data.clear()  # a first render: nothing cached by an earlier run
            st.cache_resource.clear()
            at = AppTest.from_file(str(APP_FILE), default_timeout=120)
            at.query_params["as_of"] = as_of.isoformat()
            seconds, _ = timed(at.run)
            timing.runs.append(seconds)
            problems = [str(e.value)[:200] for e in at.exception]
            metrics = [f"{m.label}: {m.value}" for m in at.metric]
    finally:
        if previous is None:
            os.environ.pop("OPSKPI_CONFIG", None)
        else:
            os.environ["OPSKPI_CONFIG"] = previous
    return {
        # the first run also imports the app and Streamlit's page machinery: a new process's
        # first render; the median is over every run (caches cleared, imports done)
        "first_seconds": timing.runs[0],
        "seconds": timing.as_dict(),
        "exceptions": problems,
        "metrics": metrics,  # what the overview showed: proof it rendered the KPIs
    }
