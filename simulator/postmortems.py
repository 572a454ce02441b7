"""Postmortems and corrective actions: published on time or late, actions on time or not."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from opskpi.simulator.deploys import DeployIndex
from opskpi.simulator.org import ROOT_CAUSES, Action, Incident, Postmortem, User
from opskpi.simulator.timeutil import business_days_deadline, local_date, zone

PUBLISH_PROBABILITY = {"sev1": 0.92, "sev2": 0.8, "sev3": 0.2, "sev4": 0.02}
ACTION_COUNT = {"sev1": (2, 4), "sev2": (1, 3), "sev3": (1, 2), "sev4": (1, 1)}
RELEASE_WINDOW = timedelta(minutes=60)
ACTION_TITLES = (
    "Ajustar timeout e retry no cliente HTTP de {svc}",
    "Criar alerta de saturação do pool de conexões de {svc}",
    "Adicionar teste de carga no pipeline de {svc}",
    "Documentar procedimento de rollback de {svc} no runbook",
    "Aumentar limites de memória e revisar HPA de {svc}",
    "Validar migrações de banco em staging antes do deploy de {svc}",
    "Adicionar circuit breaker na integração externa de {svc}",
    "Revisar permissões e rotação de credenciais de {svc}",
    "Criar dashboard de latência por endpoint de {svc}",
    "Automatizar verificação de certificados de {svc}",
)


def postmortem_deadline(incident: Incident, tz_name: str, country: str = "BR") -> datetime | None:
    """The publication deadline of the default policy (None: sev4 or unresolved)."""
    if incident.resolved_at is None:
        return None
    if incident.severity == "sev1":
        return incident.resolved_at + timedelta(hours=48)
    days = {"sev2": 3, "sev3": 5}.get(incident.severity)
    if days is None:
        return None
    return business_days_deadline(incident.resolved_at, days, zone(tz_name), country)


class PostmortemMaker:
    """Fed incidents in creation order; decides which get a postmortem and writes its truth."""

    def __init__(
        self,
        seed: int,
        users: Sequence[User],
        index: DeployIndex,
        end: datetime,
        tz_name: str,
        keep: bool = True,
    ) -> None:
        self.keep = keep  # False when streaming: postmortems are returned, not accumulated
        self.rng = random.Random(f"{seed}:postmortems")
        self.index = index
        self.end = end
        self.tz_name = tz_name
        self.tz = zone(tz_name)
        self.team_users: dict[str, list[str]] = defaultdict(list)
        for user in users:
            self.team_users[user.team].append(user.key)
        self.postmortems: list[Postmortem] = []
        self._per_day: dict[date, int] = defaultdict(int)
        self._previous: dict[str, Incident] = {}  # per service: last incident without postmortem
        self._completed = 0

    def feed(self, incident: Incident) -> Postmortem | None:
        rng = self.rng
        eligible = incident.resolved_at is not None and incident.merged_into is None
        if not eligible or rng.random() >= PUBLISH_PROBABILITY[incident.severity]:
            if eligible and incident.severity != "sev4":
                self._previous[incident.service] = incident
            return None
        named = [incident]
        earlier = self._previous.pop(incident.service, None)
        if (
            earlier is not None
            and incident.created_at - earlier.created_at <= timedelta(hours=6)
            and rng.random() < 0.3
        ):
            named.insert(0, earlier)
        published = self._published_at(incident)
        if published is None or published > self.end:
            return None
        postmortem = self._build(incident, named, published)
        if self.keep:
            self.postmortems.append(postmortem)
        return postmortem

    def _published_at(self, incident: Incident) -> datetime | None:
        rng = self.rng
        resolved = incident.resolved_at
        assert resolved is not None
        deadline = postmortem_deadline(incident, self.tz_name)
        if deadline is None:
            deadline = resolved + timedelta(days=7)
        if rng.random() < 0.72:
            span = (deadline - resolved).total_seconds()
            offset = max(3600.0, span * rng.uniform(0.1, 0.95))
            published = resolved + timedelta(seconds=min(offset, span - 60))
        else:
            published = deadline + timedelta(seconds=rng.randint(3600, 12 * 86400))
        return published.replace(second=0, microsecond=0)

    def _build(self, main: Incident, named: list[Incident], published: datetime) -> Postmortem:
        rng = self.rng
        day = local_date(main.created_at, self.tz)
        self._per_day[day] += 1
        pm_id = f"INC-{day:%Y%m%d}-{self._per_day[day]}"
        style = rng.choices(
            ("front_matter", "bare_pt", "bare_en", "front_matter_en"), (0.83, 0.13, 0.02, 0.02)
        )[0]
        if main.root_cause and rng.random() < 0.8:
            cause = main.root_cause
        elif (
            self.index.window_deploy(main.service, main.created_at, RELEASE_WINDOW)
            and rng.random() < 0.8
        ):
            cause = "change"
        else:
            cause = rng.choice(ROOT_CAUSES)
        release = None
        if style.startswith("front_matter") and len(named) == 1 and main.release is None:
            window = self.index.window_deploy(main.service, main.created_at, RELEASE_WINDOW)
            if window is not None and rng.random() < 0.5:
                release = f"{window.app}@{window.revision[: rng.choice((7, 9, 40))]}"
        keys: list[str] = []
        for incident in named:
            keys.append(incident.key)
            if incident.og_incident_id:
                keys.append(f"opsgenie:{incident.og_incident_id}")
        actions = self._actions(pm_id, main, published)
        return Postmortem(
            id=pm_id,
            incidents=tuple(keys),
            severity=main.severity,
            root_cause=cause,
            published_at=published,
            release=release,
            style=style,
            service=main.service,
            title=main.title,
            actions=actions,
        )

    def _actions(self, pm_id: str, incident: Incident, published: datetime) -> tuple[Action, ...]:
        rng = self.rng
        low, high = ACTION_COUNT[incident.severity]
        start_day = local_date(published, self.tz)
        actions = []
        for number in range(1, rng.randint(low, high) + 1):
            due = start_day + timedelta(days=rng.randint(5, 40))
            outcome = rng.random()
            completed: date | None = None
            if outcome < 0.55:
                status = "Concluída"
                completed = start_day + timedelta(days=rng.randint(0, (due - start_day).days))
            elif outcome < 0.70:
                status = "Concluída"
                completed = due + timedelta(days=rng.randint(1, 25))
            elif outcome < 0.77:
                status = "Cancelada"
            else:
                status = "Em curso" if rng.random() < 0.6 else "Aberta"
            if status == "Concluída":
                self._completed += 1
                if self._completed == 7:
                    completed = None  # marked done without a date: the data-health case
            owner = "@" + rng.choice(self.team_users[incident.team])
            title = rng.choice(ACTION_TITLES).format(svc=incident.service)
            actions.append(
                Action(
                    id=f"AC-{number:02d}",
                    postmortem=pm_id,
                    incident=incident.key,
                    title=title,
                    owner=owner,
                    due_date=due,
                    status=status,
                    completed_on=completed,
                    must_fix=rng.random() < 0.3,
                    in_csv=rng.random() < 0.1,
                )
            )
        return tuple(actions)
