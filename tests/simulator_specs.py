"""Test helpers for the simulator: lenient validation against the trimmed reference specs,
a shared small organisation, and an authenticated HTTP client per API.

Leniency (the reference README's "spec quirks to tolerate"): every property may be null,
``oneOf`` is read as ``anyOf`` (and discriminators dropped), ``AcknowledgeLogEntry`` accepts
``acknowledge_log_entry``, a custom field ``value`` may be a plain string. Everything else
(types, enums, required keys) is checked as the spec says.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import requests
from openapi_schema_validator import OAS30ReadValidator

from opskpi.simulator import generate
from opskpi.simulator.org import Organisation
from opskpi.simulator.server import SimulatorServer

END = datetime(2026, 3, 1, tzinfo=UTC)
SPEC_FILES = {
    "pagerduty": "pagerduty-openapi.trimmed.json",
    "opsgenie": "opsgenie-openapi.trimmed.json",
    "argocd": "argocd-swagger.trimmed.json",
    "jsm": "jsm-ops-openapi.trimmed.json",
}


# PagerDuty incidents that grouped several alerts or came by email are rare in the demo; a
# small organisation needs more of them for every shape to be there
GROUPED = {"alert_grouping_rate": 0.06, "email_trigger_rate": 0.03}


@lru_cache(maxsize=4)
def small_org(seed: int = 11, months: int = 3, per_day: float = 10.0) -> Organisation:
    """A few months of the demo organisation: quick to build, every shape present."""
    return generate(seed, END, months=months, incidents_per_day=per_day, **GROUPED)


def jsm_basic(server: SimulatorServer) -> str:
    """The Basic credential of the simulator's JSM account (e-mail:token, base64)."""
    pair = f"{server.tokens.jsm_email}:{server.tokens.jsm_api_token}".encode()
    return "Basic " + base64.b64encode(pair).decode()


class Client:
    """``requests`` session with the right credentials for one API of a running simulator
    (``jsm``: paths are under ``/jsm/ops``, as on api.atlassian.com)."""

    def __init__(self, server: SimulatorServer, api: str) -> None:
        self.base = f"{server.url}/{api}" if api != "jsm" else f"{server.url}/jsm/ops"
        self.session = requests.Session()
        token = {
            "pagerduty": f"Token token={server.tokens.pagerduty}",
            "opsgenie": f"GenieKey {server.tokens.opsgenie}",
            "argocd": f"Bearer {server.tokens.argocd}",
            "jsm": jsm_basic(server),
        }[api]
        self.session.headers["Authorization"] = token

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=30)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30)

    def json(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


# --- lenient schemas ----------------------------------------------------------------------------
def _wraps(value: Any) -> bool:
    """A ``properties`` map whose members get wrapped as ``anyOf: [member, null]``."""
    return isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())


def _lenient(node: Any, null: dict[str, Any], doc: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_lenient(item, null, doc) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "discriminator":
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = _rewrite_ref(doc, value)
        elif key == "oneOf":
            out["anyOf"] = _lenient(value, null, doc)
        elif key == "properties" and _wraps(value):
            out[key] = {n: {"anyOf": [_lenient(v, null, doc), null]} for n, v in value.items()}
        else:
            out[key] = _lenient(value, null, doc)
    return out


def _rewrite_ref(doc: dict[str, Any], ref: str) -> str:
    """Follow a JSON pointer through the transformed shape (oneOf -> anyOf, wrapped props)."""
    if not ref.startswith("#/"):
        return ref
    parts = ref[2:].split("/")
    node: Any = doc
    out: list[str] = []
    for i, part in enumerate(parts):
        key = part.replace("~1", "/").replace("~0", "~")
        wrapped_member = i > 0 and parts[i - 1] == "properties" and _wraps(node)
        out.append("anyOf" if part == "oneOf" else part)
        node = node[int(key)] if isinstance(node, list) else node[key]
        if wrapped_member and i < len(parts) - 1:
            out += ["anyOf", "0"]
    return "#/" + "/".join(out)


@lru_cache(maxsize=4)
def load_spec(reference_dir: Path, api: str) -> dict[str, Any]:
    spec = json.loads((reference_dir / SPEC_FILES[api]).read_text())
    if api == "jsm":
        return spec  # as published: no quirk to tolerate, so nothing is lenient
    if api == "pagerduty":
        schemas = spec["components"]["schemas"]
        ack = schemas["AcknowledgeLogEntry"]["allOf"][1]["properties"]["type"]
        ack["enum"] = [*ack["enum"], "acknowledge_log_entry"]
        schemas["CustomFieldsFieldValue"]["properties"]["value"]["oneOf"].append({})  # plain values
        return _lenient(spec, {"enum": [None]}, spec)
    return _lenient(spec, {"type": "null"}, spec)


def _resolve_ref(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/")]
    return node


def validate(
    reference_dir: Path, api: str, path: str, body: Any, method: str = "get", status: str = "200"
) -> None:
    """Raise ``jsonschema.ValidationError`` if ``body`` does not fit the spec's response."""
    spec = load_spec(reference_dir, api)
    response = spec["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = _resolve_ref(spec, response["$ref"])
    if "content" in response:
        schema = response["content"]["application/json"]["schema"]
        root = {"allOf": [copy.deepcopy(schema)], "components": spec["components"]}
        OAS30ReadValidator(root).validate(body)
    else:
        root = {"allOf": [response["schema"]], "definitions": spec["definitions"]}
        jsonschema.Draft4Validator(root).validate(body)


def validate_definition(reference_dir: Path, api: str, definition: str, body: Any) -> None:
    spec = load_spec(reference_dir, api)
    if api in ("pagerduty", "jsm"):
        root = {"$ref": f"#/components/schemas/{definition}", "components": spec["components"]}
        OAS30ReadValidator(root).validate(body)
    else:
        root = {
            "allOf": [{"$ref": f"#/definitions/{definition}"}],
            "definitions": spec["definitions"],
        }
        jsonschema.Draft4Validator(root).validate(body)


# shapes the reference README documents for endpoints missing from the trimmed specs
TIMELINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data", "took", "requestId"],
    "properties": {
        "took": {"type": "number"},
        "requestId": {"type": "string"},
        "data": {
            "type": "object",
            "required": ["entries"],
            "properties": {
                "nextOffset": {"type": "string"},
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "id",
                            "group",
                            "type",
                            "eventTime",
                            "hidden",
                            "actor",
                            "title",
                        ],
                        "properties": {
                            "id": {"type": "string"},
                            "group": {"type": "string"},
                            "type": {"type": "string"},
                            "eventTime": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT.*Z$"},
                            "hidden": {"type": "boolean"},
                            "actor": {
                                "type": "object",
                                "required": ["name", "type"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "type": {"type": "string"},
                                },
                            },
                            "title": {
                                "type": "object",
                                "required": ["type", "content"],
                                "properties": {
                                    "type": {"type": "string"},
                                    "content": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
# GET /v1/services is not in the OAS: the official Go SDK's list result (data + paging with
# next/first/last, no count), with the count seen on this list allowed but never required
SERVICES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data", "paging", "took", "requestId"],
    "properties": {
        "totalCount": {"type": "integer", "minimum": 0},
        "paging": {
            "type": "object",
            "required": ["first", "last"],
            "properties": {key: {"type": "string"} for key in ("first", "next", "prev", "last")},
        },
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "teamId"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "teamId": {"type": "string"},
                    "visibility": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
