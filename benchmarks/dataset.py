"""The page files of a size, generated once with ``write_pages`` and cached on disk.

A folder is reused only when its ``complete.json`` names the same parameters, page size and
simulator code: generation of the 1 M size takes minutes, its landing is what is measured.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from opskpi import simulator
from opskpi.simulator import GenerateParams, write_pages
from opskpi.simulator.generate import build_skeleton
from opskpi.simulator.org import Organisation
from opskpi.simulator.pagerduty import RELEASE_FIELD, ROOT_CAUSE_FIELD

PAGE_SIZE = 100  # the APIs' usual page size (PagerDuty's default limit is 25, max 100)
MARKER = "complete.json"
SIMULATOR = Path(simulator.__file__).parent


def default_data_dir() -> Path:
    return Path(tempfile.gettempdir()) / "opskpi-bench"


def params_json(params: GenerateParams) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(params).items()}


def simulator_version() -> str:
    """A hash of the simulator's code: its output may change with it for the same params."""
    digest = hashlib.sha256()
    for path in sorted(SIMULATOR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_pages(params: GenerateParams, folder: Path) -> tuple[dict[str, int], float | None]:
    """Page files of ``params`` in ``folder``: (item counts, seconds spent generating or None
    when the cached folder was reused)."""
    wanted = {
        "params": params_json(params),
        "page_size": PAGE_SIZE,
        "simulator": simulator_version(),
    }
    marker = folder / MARKER
    if marker.is_file():
        saved = json.loads(marker.read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in wanted} == wanted:
            return saved["counts"], None
    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    counts = write_pages(params, folder, page_size=PAGE_SIZE)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({**wanted, "counts": counts}, indent=2), encoding="utf-8")
    return counts, seconds


def services_config(params: GenerateParams) -> dict[str, dict[str, object]]:
    """The ``[services]`` tables of the simulated organisation (apps and runbooks)."""
    skeleton = build_skeleton(params)
    org = Organisation(
        seed=params.seed,
        start=params.start_utc,
        end=params.end_utc,
        teams=skeleton.teams,
        users=skeleton.users,
        services=skeleton.services,
        apps=skeleton.apps,
        account_timezone=params.timezone,
    )
    return org.services_config()


def settings_dict(params: GenerateParams, warehouse: Path) -> dict[str, Any]:
    """The opskpi config of a benchmark warehouse (defaults, the organisation's services, and
    the custom fields its pages hold, read as ``opskpi demo`` reads them)."""
    return {
        "report": {"timezone": params.timezone},
        "warehouse": {"path": str(warehouse)},
        "sources": {
            "pagerduty": {"token_env": "OPSKPI_BENCH_PD_TOKEN"},
            "opsgenie": {"api_key_env": "OPSKPI_BENCH_OG_KEY"},
            "argocd": {"base_url": "https://argocd.invalid", "token_env": "OPSKPI_BENCH_ARGO"},
        },
        "postmortems": {"path": "postmortems", "actions_csv": "postmortems/actions.csv"},
        "taxonomy": {"pagerduty_field": ROOT_CAUSE_FIELD},
        "releases": {"pagerduty_field": RELEASE_FIELD},
        "services": services_config(params),
    }
