"""``write_pages``: API-shaped page files for benchmarks, written with bounded memory.

Layout under ``folder`` (every page is one JSON file shaped like the API's list response):

    manifest.json                        params, as_of, counts per stream
    pagerduty/incidents/page-000001.json {"incidents": [...], "limit", "offset", "more", "total"}
    pagerduty/log_entries/...            {"log_entries": [...], ...} (per incident, oldest first)
    pagerduty/alerts/...                 {"alerts": [...], ...}
    pagerduty/custom_fields/...          {"custom_fields_values": [{incident_id, custom_fields}]}
    opsgenie/alerts/...                  {"data": [full alert], "took", "requestId"}
    opsgenie/alert_logs/...              {"data": [log + "alertId"], ...}
    opsgenie/incidents/...               {"data": [incident], ...}
    opsgenie/incident_timelines/...      {"data": [entry + "incidentId"], ...}
    argocd/applications.json             the ApplicationList
    postmortems/*.md, actions.csv        as ``write_postmortems`` writes them

With ``GenerateParams`` the incidents are generated and written as a stream (the whole
organisation is never held in memory); with an ``Organisation`` it is rendered as is.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from opskpi.simulator import argocd, opsgenie, pagerduty
from opskpi.simulator.generate import GenerateParams, build_skeleton, iter_incidents
from opskpi.simulator.markdown import BROKEN_FILE, CSV_COLUMNS, _csv_row, render_postmortem
from opskpi.simulator.org import Incident, Organisation, Postmortem
from opskpi.simulator.postmortems import PostmortemMaker
from opskpi.simulator.timeutil import local_date, zone
from opskpi.simulator.world import World


class _PageWriter:
    """Buffers one page; a page is written once it is known whether more follow."""

    def __init__(self, folder: Path, key: str, page_size: int, envelope: str) -> None:
        self.folder, self.key, self.page_size, self.envelope = folder, key, page_size, envelope
        self.folder.mkdir(parents=True, exist_ok=True)
        self.buffer: list[Any] = []
        self.full: list[Any] | None = None
        self.pages = 0
        self.items = 0

    def add(self, item: Any) -> None:
        if self.full is not None:
            self._write(self.full, more=True)
            self.full = None
        self.buffer.append(item)
        self.items += 1
        if len(self.buffer) == self.page_size:
            self.full, self.buffer = self.buffer, []

    def close(self) -> None:
        if self.full is not None:
            self._write(self.full, more=bool(self.buffer))
        if self.buffer or self.pages == 0:
            self._write(self.buffer, more=False)

    def _write(self, items: list[Any], more: bool) -> None:
        offset = self.pages * self.page_size
        self.pages += 1
        if self.envelope == "pagerduty":
            body: dict[str, Any] = {self.key: items, "limit": self.page_size, "offset": offset}
            body.update(more=more, total=None)
        else:
            body = {"data": items, "took": 0.0, "requestId": f"page-{self.pages:06d}"}
        path = self.folder / f"page-{self.pages:06d}.json"
        with open(path, "w", encoding="utf-8") as handle:
            # dumps, not dump: only the one-shot encoder uses the C accelerator
            handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def write_pages(
    org_or_params: Organisation | GenerateParams,
    folder: Path,
    page_size: int = 100,
    as_of: datetime | None = None,
) -> dict[str, int]:
    """Write every API item as of ``as_of`` (default: the end); returns item counts."""
    folder = Path(folder)
    if isinstance(org_or_params, Organisation):
        org = org_or_params
        incidents: Iterable[Incident] = org.incidents
        postmortems: Iterator[tuple[Incident, Postmortem | None]] | None = None
        params = None
    else:
        params = org_or_params
        skeleton = build_skeleton(params)
        org = Organisation(
            seed=params.seed,
            start=params.start_utc,
            end=params.end_utc,
            teams=skeleton.teams,
            users=skeleton.users,
            services=skeleton.services,
            apps=skeleton.apps,
            deploys=skeleton.deploys,
            failed_syncs=skeleton.failed_syncs,
            account_timezone=params.timezone,
        )
        maker = PostmortemMaker(
            params.seed, skeleton.users, skeleton.index, params.end_utc, params.timezone, keep=False
        )
        incidents = iter_incidents(params, skeleton)
        postmortems = ((i, maker.feed(i) if params.postmortems else None) for i in incidents)
    now = as_of or org.end
    world = World(org, "https://api.simulator.invalid")
    writers = {
        f"{api}/{name}": _PageWriter(folder / api / name, key, page_size, api)
        for api, name, key in (
            ("pagerduty", "incidents", "incidents"),
            ("pagerduty", "log_entries", "log_entries"),
            ("pagerduty", "alerts", "alerts"),
            ("pagerduty", "custom_fields", "custom_fields_values"),
            ("opsgenie", "alerts", "data"),
            ("opsgenie", "alert_logs", "data"),
            ("opsgenie", "incidents", "data"),
            ("opsgenie", "incident_timelines", "data"),
        )
    }
    pm_folder = folder / "postmortems"
    pm_folder.mkdir(parents=True, exist_ok=True)
    tz = zone(org.account_timezone)
    today = local_date(now, tz)
    counts = {"postmortems": 0, "actions": 0}
    with open(pm_folder / "actions.csv", "w", encoding="utf-8", newline="") as csv_handle:
        actions_csv = csv.writer(csv_handle)
        actions_csv.writerow(CSV_COLUMNS)
        stream = postmortems if postmortems is not None else ((i, None) for i in incidents)
        for incident, postmortem in stream:
            if incident.created_at > now:
                break
            _write_incident(world, writers, incident, now)
            if postmortem is not None and postmortem.published_at <= now:
                _write_postmortem(org, pm_folder, postmortem, incident, today, actions_csv, counts)
        if postmortems is None:
            by_key = {i.key: i for i in org.incidents}
            for pm in org.postmortems:
                if pm.published_at <= now:
                    main = next(by_key[k] for k in reversed(pm.incidents) if k in by_key)
                    _write_postmortem(org, pm_folder, pm, main, today, actions_csv, counts)
    (pm_folder / "INC-rascunho-sem-revisao.md").write_text(BROKEN_FILE, encoding="utf-8")
    for writer in writers.values():
        writer.close()
    apps = [argocd.render_application(world, app, now) for app in org.apps if app.created_at <= now]
    argo_folder = folder / "argocd"
    argo_folder.mkdir(parents=True, exist_ok=True)
    with open(argo_folder / "applications.json", "w", encoding="utf-8") as handle:
        handle.write(
            json.dumps({"metadata": {"resourceVersion": "1"}, "items": apps}, ensure_ascii=False)
        )
    counts.update({name: w.items for name, w in writers.items()})
    counts["argocd/applications"] = len(apps)
    counts["argocd/deploys"] = sum(len(a["status"]["history"]) for a in apps)
    manifest = {
        "as_of": now.isoformat(),
        "page_size": page_size,
        "params": _params_json(params),
        "counts": counts,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return counts


def _write_incident(
    world: World, writers: dict[str, _PageWriter], inc: Incident, now: datetime
) -> None:
    if inc.source == "pagerduty":
        writers["pagerduty/incidents"].add(pagerduty.render_incident(world, inc, now))
        for event in pagerduty.visible_events(inc, now):
            entry = pagerduty.render_log_entry(world, inc, event, world.account_tz, channels=True)
            writers["pagerduty/log_entries"].add(entry)
        for alert in pagerduty.render_alerts(world, inc, now):
            writers["pagerduty/alerts"].add(alert)
        values = pagerduty.render_custom_fields(world, inc)
        writers["pagerduty/custom_fields"].add({"incident_id": inc.source_id, **values})
        return
    writers["opsgenie/alerts"].add(opsgenie.render_alert(world, inc, now, full=True))
    for event in opsgenie.alert_log_events(world, inc):
        if event[0] <= now:
            log = {**opsgenie.render_log(event), "alertId": inc.source_id}
            writers["opsgenie/alert_logs"].add(log)
    if inc.og_incident_id:
        writers["opsgenie/incidents"].add(opsgenie.render_incident(world, inc, now))
        for entry in opsgenie.timeline(world, inc):
            if entry.pop("_at") <= now:
                writers["opsgenie/incident_timelines"].add(
                    {**entry, "incidentId": inc.og_incident_id}
                )


def _write_postmortem(
    org: Organisation,
    folder: Path,
    pm: Postmortem,
    main: Incident,
    today: Any,
    actions_csv: Any,
    counts: dict[str, int],
) -> None:
    path = folder / f"{pm.id}.md"
    path.write_text(render_postmortem(org, pm, {main.key: main}, today), encoding="utf-8")
    stamp = pm.published_at.timestamp()
    os.utime(path, (stamp, stamp))
    counts["postmortems"] += 1
    counts["actions"] += len(pm.actions)
    for action in pm.actions:
        if action.in_csv:
            actions_csv.writerow(_csv_row(action, today))


def _params_json(params: GenerateParams | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(params).items()}
