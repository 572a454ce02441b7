"""API simulator: PagerDuty, Opsgenie and Argo CD served on loopback from a seeded organisation.

from etl.simulator import generate, SimulatorServer
org = generate(seed=42, end=datetime(2026, 3, 1, tzinfo=UTC))
with SimulatorServer(org) as sim:
    sim.pagerduty_url  # http://127.0.0.1:PORT/pagerduty
"""

from opskpi.simulator.faults import Fault
from opskpi.simulator.generate import GenerateParams, generate, generate_from
from opskpi.simulator.markdown import write_postmortems
from opskpi.simulator.org import (
    Action,
    App,
    Deploy,
    FailedSync,
    Incident,
    Organisation,
    Postmortem,
    Service,
    Team,
    User,
)
from opskpi.simulator.pages import write_pages
from opskpi.simulator.server import SimulatorServer, SimulatorTokens, run

__all__ = [
    "Action",
    "App",
    "Deploy",
    "FailedSync",
    "Fault",
    "GenerateParams",
    "Incident",
    "Organisation",
    "Postmortem",
    "Service",
    "SimulatorServer",
    "SimulatorTokens",
    "Team",
    "User",
    "generate",
    "generate_from",
    "run",
    "write_pages",
    "write_postmortems",
]
