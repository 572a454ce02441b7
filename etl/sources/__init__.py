"""The connectors, one per source, imported only when that source is synced.

Lazy imports keep ``opskpi kpis`` and the app from loading HTTP clients they never use, and
let a source whose module is missing fail alone instead of breaking every command.
"""

from __future__ import annotations

import importlib

from opskpi.config import Settings
from opskpi.etl.context import Connector
from opskpi.etl.errors import ConfigurationError

CONNECTORS: dict[str, tuple[str, str]] = {
    "pagerduty": ("opskpi.etl.sources.pagerduty.connector", "PagerDutyConnector"),
    "opsgenie": ("opskpi.etl.sources.opsgenie", "OpsgenieConnector"),
    "jsm": ("opskpi.etl.sources.jsm.connector", "JsmConnector"),
    "argocd": ("opskpi.etl.sources.argocd", "ArgoCDConnector"),
    "postmortems": ("opskpi.etl.sources.postmortems.connector", "PostmortemsConnector"),
}


def connector_for(name: str, settings: Settings) -> Connector:
    """The connector of source ``name``, built from ``settings``."""
    if name not in CONNECTORS:
        raise ConfigurationError(
            f"unknown source {name!r}: expected one of {', '.join(CONNECTORS)}"
        )
    module_name, class_name = CONNECTORS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ConfigurationError(
            f"source {name!r} has no connector in this opskpi ({module_name} is missing)"
        ) from None
    connector: Connector = getattr(module, class_name)(settings)
    return connector
