"""PagerDuty directory shapes: services, teams, incident custom field definitions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from opskpi.simulator.org import ROOT_CAUSES, Service, Team
from opskpi.simulator.pagerduty import (
    RELEASE_FIELD,
    ROOT_CAUSE_FIELD,
    api_url,
    escalation_policy_ref,
    team_ref,
    web_url,
)
from opskpi.simulator.timeutil import iso_seconds
from opskpi.simulator.world import World

FIELD_DEFINITIONS = (
    ("PCFRC01", ROOT_CAUSE_FIELD, "Causa raiz", "single_value_fixed", ROOT_CAUSES),
    ("PCFRL02", RELEASE_FIELD, "Release", "single_value", ()),
)


def render_field_definitions(
    world: World, incident_type: str | None, options: bool
) -> dict[str, Any]:
    """The incident custom fields (``root_cause`` holds a taxonomy key, ``release`` app@rev)."""
    stamp = iso_seconds(world.org.start - timedelta(days=300))
    fields = []
    for field_id, name, display, kind, values in FIELD_DEFINITIONS:
        path = (
            f"incidents/types/{incident_type}/custom_fields/{field_id}"
            if incident_type
            else f"incidents/custom_fields/{field_id}"
        )
        field: dict[str, Any] = {
            "id": field_id,
            "type": "field",
            "summary": name,
            "self": api_url(world, path),
            "name": name,
            "display_name": display,
            "description": f"{display} do incidente",
            "data_type": "string",
            "field_type": kind,
            "default_value": None,
            "created_at": stamp,
            "updated_at": stamp,
        }
        if incident_type:
            field.update(enabled=True, incident_type=incident_type)
        else:
            field["namespace"] = "incidents"
        if options and values:
            field["field_options"] = [
                {
                    "id": f"PFO{i:04d}",
                    "type": "field_option",
                    "data": {"data_type": "string", "value": value},
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for i, value in enumerate(values)
            ]
        fields.append(field)
    return {"fields": fields}


def render_service(world: World, service: Service) -> dict[str, Any]:
    team = world.teams[service.team]
    return {
        "id": service.pd_id,
        "type": "service",
        "summary": service.name,
        "self": api_url(world, f"services/{service.pd_id}"),
        "html_url": web_url(world, f"service-directory/{service.pd_id}"),
        "name": service.name,
        "description": f"Serviço {service.name} (time {team.name})",
        "auto_resolve_timeout": None,
        "acknowledgement_timeout": 1800,
        "created_at": iso_seconds(world.org.start - timedelta(days=400), world.account_tz),
        "status": "active",
        "escalation_policy": escalation_policy_ref(world, team),
        "teams": [team_ref(world, team)],
        "integrations": [],
        "alert_creation": "create_alerts_and_incidents",
    }


def render_team(world: World, team: Team) -> dict[str, Any]:
    return {
        "id": team.pd_id,
        "type": "team",
        "summary": team.name,
        "self": api_url(world, f"teams/{team.pd_id}"),
        "html_url": web_url(world, f"teams/{team.pd_id}"),
        "name": team.name,
        "description": f"Time {team.name}",
    }
