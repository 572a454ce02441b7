"""The baseline: the ``opskpi kpis --json`` report computed with pandas, as a team would in a
notebook: load the marts into DataFrames, then masks, group-bys and ``quantile``.

Two loads, timed apart from ``compute``: ``load`` takes every column (``select *``, the first
thing a notebook does), ``load_needed`` only the columns the report reads (``NEEDED``: what a
capable analyst writes). Same definitions as ``sql/kpis/*.sql`` (docs/kpis.md §3–8, 10, 11), for
the default report: the whole period as one bucket, no filters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from opskpi.config.vocabulary import severity_rank
from opskpi.metrics.period import Period

STATS = (("mean", None), ("median", 0.5), ("p90", 0.9), ("p95", 0.95), ("max", None))


@dataclass
class Marts:
    incidents: pd.DataFrame
    deploys: pd.DataFrame
    actions: pd.DataFrame
    taxonomy: pd.DataFrame
    settings: pd.DataFrame
    interruptions: pd.DataFrame
    noise: pd.DataFrame


# The columns the report reads, per mart (``Marts`` field → (table, columns)); the Polars
# baseline loads the same ones.
NEEDED: dict[str, tuple[str, tuple[str, ...]]] = {
    "incidents": (
        "incidents",
        (
            "created_at",
            "created_date",
            "severity",
            "is_merged",
            "is_acknowledged",
            "is_open",
            "tta_seconds",
            "ttr_seconds",
            "ack_target_seconds",
            "resolve_target_seconds",
            "root_cause",
            "release_key",
            "is_release_caused",
            "is_release_explicit",
            "is_release_window",
            "runbook_url",
            "escalation_count",
            "alert_count",
            "postmortem_deadline",
            "postmortem_published_at",
        ),
    ),
    "deploys": ("deploys", ("deploy_key", "deployed_local", "is_rollback")),
    "actions": ("corrective_actions", ("status", "due_date", "is_on_time", "must_fix")),
    "taxonomy": ("cfg_taxonomy", ("key", "position")),
    "settings": ("cfg_settings", ("timezone", "paging_timeout_seconds")),
    "interruptions": ("interruptions", ("notified_date", "interruption_class", "person_id")),
    "noise": ("cfg_noise", ("flap_window_seconds",)),
}


def needed_query(name: str) -> str:
    """``select <the needed columns> from <the mart>`` for ``Marts`` field ``name``."""
    table, columns = NEEDED[name]
    return f"select {', '.join(columns)} from {table}"


def load_needed(con: duckdb.DuckDBPyConnection) -> Marts:
    """Only the columns the report reads, every row (the period is filtered in pandas)."""
    return Marts(**{name: con.sql(needed_query(name)).df() for name in NEEDED})


def load(con: duckdb.DuckDBPyConnection) -> Marts:
    """Every mart the report reads, whole, as a notebook would load it."""
    return Marts(
        incidents=con.sql("select * from incidents").df(),
        deploys=con.sql("select * from deploys").df(),
        actions=con.sql("select * from corrective_actions").df(),
        taxonomy=con.sql("select * from cfg_taxonomy").df(),
        settings=con.sql("select * from cfg_settings").df(),
        interruptions=con.sql("select * from interruptions").df(),
        noise=con.sql("select * from cfg_noise").df(),
    )


def _num(value: Any) -> Any:
    """NaN/NA → None, numpy scalars → Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _stats(values: pd.Series) -> dict[str, Any]:
    values = values.dropna()
    out: dict[str, Any] = {}
    for name, q in STATS:
        if values.empty:
            out[name] = None
        elif name == "mean":
            out[name] = float(values.mean())
        elif name == "max":
            out[name] = float(values.max())
        else:
            out[name] = float(values.quantile(q))
    out["n"] = len(values)
    return out


def _response_row(severity: str, group: pd.DataFrame, age: pd.Series) -> dict[str, Any]:
    counted = group[~group["is_merged"]]
    acked = counted["is_acknowledged"].astype(bool)
    is_open = counted["is_open"].astype(bool)
    tta, ttr = counted["tta_seconds"], counted["ttr_seconds"]
    ack_t, res_t = counted["ack_target_seconds"], counted["resolve_target_seconds"]
    has_ack = tta.notna() & ack_t.notna()
    has_res = ttr.notna() & res_t.notna()
    age = age.loc[counted.index]
    breaching = int((is_open & (age > res_t)).sum())
    unacked = int((is_open & ~acked & (age > ack_t)).sum())
    return {
        "severity": severity,
        "incidents": len(counted),
        "merged": int(group["is_merged"].sum()),
        "acknowledged": int(acked.sum()),
        "unacknowledged": int((~acked).sum()),
        "resolved": int((~is_open).sum()),
        "open": int(is_open.sum()),
        "tta_seconds": _stats(tta),
        "ttr_seconds": _stats(ttr),
        "ack_sla_compliance": _ratio(int((has_ack & (tta <= ack_t)).sum()), int(has_ack.sum())),
        "resolve_sla_compliance": _ratio(int((has_res & (ttr <= res_t)).sum()), int(has_res.sum())),
        "breaching_open": breaching if group["resolve_target_seconds"].notna().any() else None,
        "unacked_over_target": unacked if group["ack_target_seconds"].notna().any() else None,
    }


def _response_times(period_df: pd.DataFrame, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    age = (as_of - period_df["created_at"]).dt.total_seconds()
    rows = [
        _response_row(str(severity), group, age)
        for severity, group in period_df.groupby("severity", sort=False)
    ]
    rows.sort(key=lambda r: severity_rank(r["severity"]))
    if period_df.empty:
        empty = _response_row("all", period_df, age)
        empty.update(breaching_open=None, unacked_over_target=None)
        return [empty]
    return [*rows, _response_row("all", period_df, age)]


def compute(marts: Marts, period: Period) -> dict[str, Any]:
    """The report of ``metrics.kpis.kpi_report(con, period)`` from the loaded DataFrames."""
    settings = marts.settings.iloc[0]
    timezone = str(settings["timezone"])
    as_of = pd.Timestamp(period.as_of).tz_convert("UTC")
    since, until = pd.Timestamp(period.since), pd.Timestamp(period.until)
    inc = marts.incidents
    created = pd.to_datetime(inc["created_date"])
    in_period = inc[(created >= since) & (created < until)]
    counted = in_period[~in_period["is_merged"]]
    n = len(counted)

    # root causes: every taxonomy key, in its order
    by_cause = counted["root_cause"].value_counts()
    root_causes = [
        {
            "root_cause": key,
            "incidents": int(by_cause.get(key, 0)),
            "share": _ratio(int(by_cause.get(key, 0)), n),
        }
        for key in marts.taxonomy.sort_values("position")["key"]
    ]

    # releases and change failure rate
    attributed = set(inc.loc[~inc["is_merged"], "release_key"].dropna())
    dep = marts.deploys
    deployed = pd.to_datetime(dep["deployed_local"]).dt.normalize()
    deps = dep[(deployed >= since) & (deployed < until)]
    with_incident = int(deps["deploy_key"].isin(attributed).sum())
    released = int(counted["is_release_caused"].sum())
    releases = {
        "incidents": n,
        "release_caused": released,
        "explicit": int(counted["is_release_explicit"].sum()),
        "window": int(counted["is_release_window"].sum()),
        "release_caused_share": _ratio(released, n),
        "deploys": len(deps),
        "deploys_with_incident": with_incident,
        "change_failure_rate": _ratio(with_incident, len(deps)),
        "rollbacks": int(deps["is_rollback"].sum()),
    }

    with_runbook = int(counted["runbook_url"].notna().sum())
    runbooks = {
        "incidents": n,
        "with_runbook": with_runbook,
        "without_runbook": n - with_runbook,
        "coverage": _ratio(with_runbook, n),
    }

    # corrective actions by due date; postmortems by their incident's creation
    today = pd.Timestamp(period.as_of.astimezone(ZoneInfo(timezone)).date())
    act = marts.actions
    due = pd.to_datetime(act["due_date"])
    act = act[
        act["status"].notna() & (act["status"] != "cancelled") & (due >= since) & (due < until)
    ]
    due = pd.to_datetime(act["due_date"])
    overdue = ~act["status"].isin(["done", "cancelled"]) & (due < today)
    actions_due = int(((act["status"] == "done") | overdue).sum())
    on_time = int(act["is_on_time"].fillna(False).astype(bool).sum())
    pms = counted[counted["postmortem_deadline"].notna()]
    published = pms["postmortem_published_at"]
    is_due = published.notna() | (pms["postmortem_deadline"] <= as_of)
    pm_due = int(is_due.sum())
    pm_on_time = int((is_due & (published <= pms["postmortem_deadline"])).sum())
    rca = {
        "actions_due": actions_due,
        "actions_on_time": on_time,
        "rca_adherence": _ratio(on_time, actions_due),
        "overdue_actions": int(overdue.sum()),
        "overdue_must_fix": int((overdue & act["must_fix"].fillna(False).astype(bool)).sum()),
        "postmortems_due": pm_due,
        "postmortems_on_time": pm_on_time,
        "postmortem_on_time_share": _ratio(pm_on_time, pm_due),
    }

    tta = counted["tta_seconds"]
    acknowledged = int(tta.notna().sum())
    within = int((tta <= float(settings["paging_timeout_seconds"])).sum())
    escalated = int((counted["escalation_count"] >= 1).sum())
    paging = {
        "acknowledged": acknowledged,
        "acked_within_paging_window": _ratio(within, acknowledged),
        "escalated": escalated,
        "escalation_rate": _ratio(escalated, n),
    }

    # on-call load: interruptions by the notification's local date
    pages = marts.interruptions
    notified = pd.to_datetime(pages["notified_date"])
    pages = pages[(notified >= since) & (notified < until)]
    by_class = pages["interruption_class"].value_counts()
    per_person = pages["person_id"].value_counts()
    sleep = int(by_class.get("sleep_hours", 0))
    oncall = {
        "interruptions": len(pages),
        "business_hours": int(by_class.get("business_hours", 0)),
        "off_hours": int(by_class.get("off_hours", 0)),
        "sleep_hours": sleep,
        "people": len(per_person),
        "max_per_person": int(per_person.max()) if len(per_person) else 0,
        "sleep_hours_share": _ratio(sleep, len(pages)),
    }

    # alert noise over the period's non-merged incidents
    acked = counted["is_acknowledged"].astype(bool)
    closed = ~counted["is_open"].astype(bool)
    flap = float(marts.noise.iloc[0]["flap_window_seconds"])
    flapping = int((~acked & (counted["ttr_seconds"] <= flap)).sum())
    resolved_unacked = int((closed & ~acked).sum())
    alert_counts = counted["alert_count"].dropna()
    noise = {
        "incidents": n,
        "resolved": int(closed.sum()),
        "resolved_unacknowledged": resolved_unacked,
        "resolved_unacknowledged_share": _ratio(resolved_unacked, int(closed.sum())),
        "flapping": flapping,
        "flapping_share": _ratio(flapping, n),
        "alerts_per_incident": float(alert_counts.mean()) if len(alert_counts) else None,
    }

    return {
        "as_of": period.as_of.isoformat(),
        "timezone": timezone,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "response_times": _response_times(in_period, as_of),
        "root_causes": root_causes,
        "releases": releases,
        "runbooks": runbooks,
        "rca": rca,
        "paging": paging,
        "oncall": oncall,
        "noise": noise,
    }


def kpi_report(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, Any]:
    """Load, then compute: the whole notebook."""
    return compute(load(con), period)


def differences(ours: Any, theirs: Any, path: str = "report", rel: float = 1e-6) -> list[str]:
    """Every field that differs: counts and strings exactly, floats to ``rel`` relative."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = [f"{path}.{k}: missing in one report" for k in set(ours) ^ set(theirs)]
        for key in ours.keys() & theirs.keys():
            out += differences(ours[key], theirs[key], f"{path}.{key}", rel)
        return out
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return [f"{path}: {len(ours)} rows vs {len(theirs)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
            for d in differences(a, b, f"{path}[{i}]", rel)
        ]
    a, b = _num(ours), _num(theirs)
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
            return [] if a is None and b is None else [f"{path}: {a!r} vs {b!r}"]
        ok = math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-9)
        return [] if ok else [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} vs {b!r}"]
