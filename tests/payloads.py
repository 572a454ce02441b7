"""Small builders of API-shaped payloads (PagerDuty, Opsgenie, Argo CD, postmortems) for
hand-worked test cases. They produce exactly the fields the official APIs return that opskpi
reads, so a test states only what matters to its arithmetic."""

from __future__ import annotations

from typing import Any


def pd_incident(
    incident_id: str,
    created_at: str,
    *,
    status: str = "resolved",
    resolved_at: str | None = None,
    priority: str | None = "P1",
    urgency: str = "high",
    service: str = "checkout-api",
    team: str | None = "Payments",
    merged_into: str | None = None,
    acknowledgements: list[dict[str, Any]] | None = None,
    alert_count: int | None = None,
) -> dict[str, Any]:
    incident: dict[str, Any] = {
        "id": incident_id,
        "type": "incident",
        "summary": f"[#{incident_id}] something broke",
        "title": f"{service} is failing",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
        "incident_number": abs(hash(incident_id)) % 100000,
        "created_at": created_at,
        "status": status,
        "urgency": urgency,
        "service": {
            "id": "S" + service[:5].upper(),
            "type": "service_reference",
            "summary": service,
        },
        "teams": [{"id": "T1", "type": "team_reference", "summary": team}] if team else [],
        "priority": (
            {"id": "PR" + priority, "type": "priority_reference", "summary": priority}
            if priority
            else None
        ),
        "acknowledgements": acknowledgements or [],
        "resolved_at": resolved_at,
        "last_status_change_at": resolved_at or created_at,
        "resolve_reason": (
            {"type": "merge_resolve_reason", "incident": {"id": merged_into}}
            if merged_into
            else None
        ),
    }
    if alert_count is not None:
        incident["alert_counts"] = {
            "all": alert_count,
            "triggered": 0 if status == "resolved" else alert_count,
            "resolved": alert_count if status == "resolved" else 0,
        }
    return incident


def pd_notify(
    entry_id: str,
    incident_id: str,
    created_at: str,
    user: str,
    *,
    user_id: str | None = None,
    with_user: bool = True,
) -> dict[str, Any]:
    """A notify_log_entry (the spec's NotifyLogEntry: ``user`` is the person notified);
    ``with_user=False`` leaves the user out, as some real payloads do (the summary names them)."""
    entry: dict[str, Any] = {
        "id": entry_id,
        "type": "notify_log_entry",
        "summary": f"Notified {user} by push notification.",
        "created_at": created_at,
        "channel": {"type": "auto"},
        "incident": {"id": incident_id, "type": "incident_reference"},
        "contexts": [],
    }
    if with_user:
        entry["user"] = {
            "id": user_id or "PU" + user.upper().replace(" ", "")[:5],
            "type": "user_reference",
            "summary": user,
        }
    return entry


def pd_log(
    entry_id: str,
    incident_id: str,
    entry_type: str,
    created_at: str,
    *,
    contexts: list[dict[str, Any]] | None = None,
    channel: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": entry_id,
        "type": entry_type,
        "summary": entry_type.replace("_log_entry", ""),
        "created_at": created_at,
        "agent": {"id": "PUSER", "type": "user_reference", "summary": "Ana"},
        "channel": channel or {"type": "api"},
        "incident": {"id": incident_id, "type": "incident_reference"},
        "contexts": contexts or [],
    }


def pd_alert(
    alert_id: str,
    incident_id: str,
    created_at: str,
    *,
    details: Any = None,
    contexts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": alert_id,
        "type": "alert",
        "created_at": created_at,
        "status": "resolved",
        "severity": "critical",
        "incident": {"id": incident_id, "type": "incident_reference"},
        "body": {"type": "alert_body", "details": details or {}, "contexts": contexts or []},
    }


def pd_custom_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "custom_fields": [
            {
                "id": f"F{i}",
                "type": "field_value",
                "name": name,
                "value": value,
                "data_type": "string",
                "field_type": "single_value",
            }
            for i, (name, value) in enumerate(fields.items())
        ]
    }


def og_alert(
    alert_id: str,
    created_at: str,
    *,
    status: str = "closed",
    priority: str = "P2",
    ack_ms: int | None = None,
    close_ms: int | None = None,
    tags: list[str] | None = None,
    details: dict[str, str] | None = None,
    description: str | None = None,
    entity: str | None = None,
) -> dict[str, Any]:
    report: dict[str, Any] = {}
    if ack_ms is not None:
        report["ackTime"] = ack_ms
    if close_ms is not None:
        report["closeTime"] = close_ms
    alert: dict[str, Any] = {
        "id": alert_id,
        "tinyId": "1",
        "message": f"alert {alert_id}",
        "status": status,
        "acknowledged": ack_ms is not None,
        "createdAt": created_at,
        "updatedAt": created_at,
        "priority": priority,
        "tags": tags or [],
        "report": report,
        "responders": [],
    }
    if details is not None:
        alert["details"] = details
    if description is not None:
        alert["description"] = description
    if entity is not None:
        alert["entity"] = entity
    return alert


def og_log(log: str, created_at: str, offset: str) -> dict[str, Any]:
    return {
        "log": log,
        "type": "system",
        "owner": "ana@example.com",
        "createdAt": created_at,
        "offset": offset,
    }


def argo_history(
    history_id: int, revision: str, deployed_at: str, started_at: str | None = None
) -> dict[str, Any]:
    return {
        "id": history_id,
        "revision": revision,
        "deployStartedAt": started_at or deployed_at,
        "deployedAt": deployed_at,
        "source": {"repoURL": "https://git.example.com/deploy.git", "path": "apps/x"},
        "initiatedBy": {"username": "bob"},
    }


def postmortem(
    postmortem_id: str,
    incidents: list[str],
    *,
    published_at: str | None,
    root_cause: str | None = None,
    severity: str | None = None,
    release: str | None = None,
    actions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A postmortem as etl/postmortems lands it (strings as written in the file)."""
    return {
        "id": postmortem_id,
        "title": f"Postmortem — {postmortem_id}",
        "reference": postmortem_id.removesuffix(".md"),
        "incidents": incidents,
        "severity": severity,
        "root_cause": root_cause,
        "published_at": published_at,
        "published_at_source": "front_matter",
        "release": release,
        "has_front_matter": True,
        "sections": {},
        "actions": actions or [],
        "content_sha256": "0" * 64,
    }


def action(
    action_id: str,
    due_date: str | None,
    status: str,
    *,
    completed_on: str | None = None,
    must_fix: str | None = "não",
    owner: str = "@ana",
    line: int = 20,
) -> dict[str, Any]:
    return {
        "id": action_id,
        "action": f"do {action_id}",
        "owner": owner,
        "due_date": due_date,
        "status": status,
        "completed_on": completed_on,
        "must_fix": must_fix,
        "line": line,
    }
