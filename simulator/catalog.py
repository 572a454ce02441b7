"""The synthetic company: a Brazilian construction-management SaaS (teams, people, services)."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta

from opskpi.simulator.ids import pd_object_id, uuid_from
from opskpi.simulator.org import App, Service, Team, User

RUNBOOK_BASE = "https://git.construtora.example/sre/runbooks/-/blob/main"
REPO_URL = "https://git.construtora.example/plataforma/deploy-config.git"

# team key -> display name
TEAMS: tuple[tuple[str, str], ...] = (
    ("obras", "Obras"),
    ("medicoes", "Medições e Contratos"),
    ("orcamentos", "Orçamentos"),
    ("suprimentos", "Suprimentos"),
    ("financeiro", "Financeiro"),
    ("plataforma", "Plataforma"),
    ("campo", "Mobile de Campo"),
)

PEOPLE: tuple[tuple[str, str], ...] = (
    ("Ana Souza", "obras"),
    ("Bruno Carvalho", "obras"),
    ("Camila Rocha", "obras"),
    ("Diego Martins", "medicoes"),
    ("Eduarda Lima", "medicoes"),
    ("Felipe Araújo", "medicoes"),
    ("Gabriela Nunes", "orcamentos"),
    ("Henrique Barbosa", "orcamentos"),
    ("Isabela Ribeiro", "orcamentos"),
    ("João Pedro Alves", "suprimentos"),
    ("Larissa Teixeira", "suprimentos"),
    ("Marcos Vieira", "suprimentos"),
    ("Natália Gomes", "financeiro"),
    ("Otávio Pereira", "financeiro"),
    ("Patrícia Moura", "financeiro"),
    ("Rafael Costa", "plataforma"),
    ("Sabrina Dias", "plataforma"),
    ("Thiago Ramos", "plataforma"),
    ("Vanessa Freitas", "plataforma"),
    ("Wagner Lopes", "campo"),
    ("Yasmin Castro", "campo"),
    ("Lucas Fernandes", "campo"),
)

# service, team, apps, has a service-level runbook, relative incident weight
SERVICES: tuple[tuple[str, str, tuple[str, ...], bool, float], ...] = (
    ("obras-api", "obras", ("obras-api-prod", "obras-api-canary"), True, 3.0),
    ("obras-web", "obras", ("obras-web-prod",), False, 1.0),
    ("cronograma-worker", "obras", ("cronograma-worker-prod",), True, 1.5),
    ("medicoes-api", "medicoes", ("medicoes-api-prod",), True, 2.5),
    ("medicoes-worker", "medicoes", ("medicoes-worker-prod",), True, 2.0),
    ("contratos-api", "medicoes", ("contratos-api-prod",), False, 1.0),
    ("orcamentos-api", "orcamentos", ("orcamentos-api-prod", "orcamentos-api-canary"), True, 2.0),
    ("orcamentos-web", "orcamentos", ("orcamentos-web-prod",), False, 1.0),
    ("composicoes-worker", "orcamentos", ("composicoes-worker-prod",), False, 1.2),
    ("portal-fornecedores", "suprimentos", ("portal-fornecedores-prod",), True, 1.8),
    ("cotacoes-api", "suprimentos", ("cotacoes-api-prod",), True, 1.3),
    ("compras-worker", "suprimentos", ("compras-worker-prod",), False, 1.0),
    ("faturamento-api", "financeiro", ("faturamento-api-prod",), True, 1.6),
    ("pagamentos-worker", "financeiro", ("pagamentos-worker-prod",), True, 1.4),
    ("nfe-worker", "financeiro", ("nfe-worker-prod",), False, 1.5),
    ("auth-api", "plataforma", ("auth-api-prod",), True, 1.2),
    ("api-gateway", "plataforma", ("api-gateway-prod", "api-gateway-canary"), True, 1.8),
    ("notificacoes-worker", "plataforma", ("notificacoes-worker-prod",), False, 1.4),
    ("arquivos-api", "plataforma", ("arquivos-api-prod",), False, 1.0),
    ("relatorios-api", "plataforma", ("relatorios-api-prod",), False, 0.9),
    ("app-campo-bff", "campo", ("app-campo-bff-prod",), True, 1.6),
    ("diario-obra-api", "campo", ("diario-obra-api-prod",), False, 1.2),
)

# apps that keep Argo CD's default revisionHistoryLimit (10): history gaps appear
DEFAULT_LIMIT_APPS = frozenset({"relatorios-api-prod", "obras-web-prod"})
# apps synced automatically (initiatedBy.automated, never rolled back by revision)
AUTOMATED_APPS = frozenset(
    {
        "obras-api-canary",
        "orcamentos-api-canary",
        "api-gateway-canary",
        "notificacoes-worker-prod",
        "composicoes-worker-prod",
        "arquivos-api-prod",
        "relatorios-api-prod",
    }
)
LARGE_HISTORY_LIMIT = 5000


def handle(name: str) -> str:
    """``"João Pedro Alves"`` -> ``"joao.alves"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    parts = ascii_name.lower().split()
    return f"{parts[0]}.{parts[-1]}"


def build_catalog(
    seed: int, start: datetime
) -> tuple[list[Team], list[User], list[Service], list[App]]:
    """Teams, users, services and Argo CD apps; ids depend on ``seed`` only."""
    rng = random.Random(f"{seed}:catalog")
    teams = [
        Team(key, name, pd_object_id(rng), uuid_from(rng), pd_object_id(rng)) for key, name in TEAMS
    ]
    users = []
    for name, team in PEOPLE:
        key = handle(name)
        users.append(
            User(key, name, f"{key}@construtora.example", team, pd_object_id(rng), uuid_from(rng))
        )
    services = []
    apps = []
    for name, team, app_names, has_runbook, _weight in SERVICES:
        runbook = f"{RUNBOOK_BASE}/{name}.md" if has_runbook else None
        services.append(Service(name, team, pd_object_id(rng), uuid_from(rng), app_names, runbook))
        for app_name in app_names:
            created = start - timedelta(days=rng.randint(30, 400), seconds=rng.randint(0, 86399))
            env = "canary" if app_name.endswith("-canary") else "prod"
            apps.append(
                App(
                    name=app_name,
                    service=name,
                    project=team,
                    namespace=f"{name}-{env}",
                    repo_url=REPO_URL,
                    path=f"apps/{name}/overlays/{env}",
                    created_at=created.replace(microsecond=0),
                    history_limit=None if app_name in DEFAULT_LIMIT_APPS else LARGE_HISTORY_LIMIT,
                    automated=app_name in AUTOMATED_APPS,
                )
            )
    return teams, users, services, apps


def service_weights() -> dict[str, float]:
    return {name: weight for name, _t, _a, _r, weight in SERVICES}


INCIDENT_TITLES: tuple[str, ...] = (
    "{svc}: taxa de erros 5xx acima de 5% por 10 min",
    "{svc}: latência p99 acima de 2 s",
    "{svc}: pods reiniciando em loop (CrashLoopBackOff)",
    "{svc}: fila de processamento parada há 15 min",
    "{svc}: pool de conexões do banco saturado",
    "{svc}: certificado TLS expira em menos de 7 dias",
    "{svc}: uso de memória acima de 90%",
    "{svc}: falha na integração com parceiro externo",
    "{svc}: disco do volume persistente acima de 85%",
    "{svc}: health check falhando no load balancer",
)
