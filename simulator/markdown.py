"""``write_postmortems``: the organisation's postmortem folder and ``actions.csv``.

Files follow docs/postmortems.md: mostly YAML front matter, some bare Portuguese template (the
reader takes incidents from URLs, the cause from the Causa-raiz section and the
publication time from the file's modification time, which is set to ``published_at``),
a few with English headings; plus one unreadable file and one unreadable CSV row.
"""

from __future__ import annotations

import csv
import os
from datetime import date, datetime
from pathlib import Path

from opskpi.simulator.org import Action, Incident, Organisation, Postmortem
from opskpi.simulator.timeutil import local_date, zone

# the organisation's labels as its authors write them (its own copy on purpose: see org.py)
LABELS = {
    "change": "Mudança (config, código, infra)",
    "capacity": "Capacidade",
    "external_dependency": "Dependência externa",
    "data": "Dados",
    "security": "Segurança",
    "process": "Processo",
}
# narratives name no other taxonomy key or label (readers match terms in the section)
NARRATIVE_PT = {
    "change": "Uma alteração implantada em produção introduziu o comportamento da falha.",
    "capacity": "O volume de requisições superou os limites provisionados de CPU e memória.",
    "external_dependency": "Um parceiro externo saiu do ar e as chamadas acumularam timeouts.",
    "data": "Registros inconsistentes importados na carga noturna quebraram a rotina de cálculo.",
    "security": "Um certificado expirado e credenciais rotacionadas sem aviso bloquearam o acesso.",
    "process": "O procedimento de plantão não foi seguido e o alerta ficou sem dono.",
}
NARRATIVE_EN = {
    "change": "A change deployed to production introduced the failing behaviour.",
    "capacity": "Request volume exceeded the provisioned CPU, memory and connection limits.",
    "external_dependency": "An external partner became unavailable and calls piled up in timeouts.",
    "data": "Inconsistent records loaded by the nightly import broke the calculation routine.",
    "security": "An expired certificate and credentials rotated without notice blocked access.",
    "process": "The on-call procedure was not followed and the alert stayed unowned for too long.",
}
STATUS_EN = {
    "Aberta": "Open",
    "Em curso": "In progress",
    "Concluída": "Done",
    "Cancelada": "Cancelled",
}
HEADINGS = {
    "pt": (
        "Resumo executivo",
        "Linha do tempo",
        "Impacto",
        "Detecção",
        "Causa-raiz",
        "O que funcionou / O que faltou",
        "Ações corretivas (SMART)",
        "Anexos",
    ),
    "en": (
        "Executive summary",
        "Timeline",
        "Impact",
        "Detection",
        "Root cause",
        "What went well / What was missing",
        "Corrective actions (SMART)",
        "Attachments",
    ),
}
CSV_COLUMNS = (
    "id",
    "postmortem",
    "incident",
    "action",
    "owner",
    "due_date",
    "status",
    "completed_on",
    "must_fix",
)


def incident_url(org: Organisation, key: str) -> str:
    source, _, ident = key.partition(":")
    if source == "pagerduty":
        return f"https://{org.subdomain}.pagerduty.com/incidents/{ident}"
    if source == "jsm":
        return f"https://{org.subdomain}.atlassian.net/jira/ops/alerts/{ident}"
    if ident.count("-") == 5:  # alert ids end with "-<epoch ms>"
        return f"https://{org.subdomain}.app.opsgenie.com/alert/detail/{ident}/details"
    return f"https://{org.subdomain}.app.opsgenie.com/incident/detail/{ident}"


def write_postmortems(
    org: Organisation, folder: Path, as_of: datetime | None = None, include_broken: bool = True
) -> None:
    """Write the postmortems published by ``as_of`` (default ``org.end``) as they read then."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    as_of = as_of or org.end
    tz = zone(org.account_timezone)
    today = local_date(as_of, tz)
    by_key = {i.key: i for i in org.incidents}
    csv_rows: list[list[str]] = []
    published = [pm for pm in org.postmortems if pm.published_at <= as_of]
    for pm in published:
        text = render_postmortem(org, pm, by_key, today)
        path = folder / f"{pm.id}.md"
        path.write_text(text, encoding="utf-8")
        stamp = pm.published_at.timestamp()
        os.utime(path, (stamp, stamp))
        csv_rows += [_csv_row(a, today) for a in pm.actions if a.in_csv]
    if include_broken:
        (folder / "INC-rascunho-sem-revisao.md").write_text(BROKEN_FILE, encoding="utf-8")
        if published:
            last = published[-1]
            csv_rows.append(
                [
                    "AC-99",
                    last.id,
                    last.incidents[0],
                    "Revisar alarmes da fila",
                    "@ana.souza",
                    "2026-02-31",
                    "Aberta",
                    "",
                    "não",
                ]
            )
    with open(folder / "actions.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_rows)


BROKEN_FILE = """---
incidents: ["pagerduty:QRASCUNHO
severity: [sev2
root_cause: capacity: memória
---
# Postmortem — rascunho (sem revisão)

Rascunho salvo pela metade; o cabeçalho YAML acima não fecha a lista.
"""


def _csv_row(action: Action, today: date) -> list[str]:
    status, completed = action.status_on(today)
    return [
        action.id,
        action.postmortem,
        action.incident,
        action.title,
        action.owner,
        action.due_date.isoformat(),
        status,
        completed.isoformat() if completed else "",
        "sim" if action.must_fix else "não",
    ]


def render_postmortem(
    org: Organisation, pm: Postmortem, by_key: dict[str, Incident], today: date
) -> str:
    tz = zone(org.account_timezone)
    english = pm.style in ("bare_en", "front_matter_en")
    h = HEADINGS["en" if english else "pt"]
    main = next((by_key[k] for k in reversed(pm.incidents) if k in by_key), None)
    lines: list[str] = []
    if pm.has_front_matter:
        lines += ["---", "incidents: [" + ", ".join(f'"{k}"' for k in pm.incidents) + "]"]
        lines += [f"severity: {pm.severity}", f"root_cause: {pm.root_cause}"]
        lines.append(f"published_at: {pm.published_at.astimezone(tz).isoformat()}")
        if pm.release:
            lines.append(f'release: "{pm.release}"')
        lines.append("---")
    lines += [f"# Postmortem — {pm.id} (Sev{pm.severity[-1]})", ""]
    lines += [f"## {h[0]}", "", _summary(pm, english), ""]
    lines += [f"## {h[1]}", "", *_timeline(org, main, english), ""]
    impact = (
        "Clients of the service saw errors and slowness while the incident lasted."
        if english
        else "Clientes do serviço tiveram erros e lentidão enquanto o incidente durou."
    )
    lines += [f"## {h[2]}", "", impact, ""]
    detection = (
        "Automatic alert from Prometheus Alertmanager."
        if english
        else "Alerta automático do Prometheus Alertmanager, encaminhado ao plantão."
    )
    lines += [f"## {h[3]}", "", detection, ""]
    if english:
        cause = f"Category: `{pm.root_cause}`. {NARRATIVE_EN[pm.root_cause]}"
    else:
        cause = (
            f"Categoria: `{pm.root_cause}` — {LABELS[pm.root_cause]}. {NARRATIVE_PT[pm.root_cause]}"
        )
    lines += [f"## {h[4]}", "", cause, ""]
    went = (
        "- Worked: the alert fired quickly.\n- Missing: a tested rollback procedure."
        if english
        else "- Funcionou: o alerta disparou rápido.\n- Faltou: procedimento de rollback testado."
    )
    lines += [f"## {h[5]}", "", went, ""]
    lines += [f"## {h[6]}", "", *_actions_table(pm, today, english), ""]
    lines += [f"## {h[7]}", ""]
    names = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie", "jsm": "JSM Operations"}
    lines += [f"- {names[k.split(':')[0]]}: {incident_url(org, k)}" for k in pm.incidents]
    return "\n".join(lines) + "\n"


def _summary(pm: Postmortem, english: bool) -> str:
    if english:
        return f"The service {pm.service} had an incident: {pm.title}."
    return f"O serviço {pm.service} teve um incidente: {pm.title}."


def _timeline(org: Organisation, inc: Incident | None, english: bool) -> list[str]:
    if inc is None:
        return []
    tz = zone(org.account_timezone)
    users = {u.key: u.name for u in org.users}

    def at(t: datetime) -> str:
        return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    rows = [("Time (BRT)", "Event") if english else ("Horário (BRT)", "Evento")]
    rows.append((at(inc.created_at), "Alert fired" if english else "Alerta disparado"))
    if inc.acks:
        who = users.get(inc.ack_by[0], "")
        rows.append(
            (at(inc.acks[0]), f"Acknowledged by {who}" if english else f"Reconhecido por {who}")
        )
    if inc.resolved_at is not None:
        rows.append((at(inc.resolved_at), "Resolved" if english else "Resolvido"))
    out = [f"| {rows[0][0]} | {rows[0][1]} |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in rows[1:]]
    return out


def _actions_table(pm: Postmortem, today: date, english: bool) -> list[str]:
    if english:
        header = "| ID | Action | Owner | Due | Status | Completed on | Must-fix |"
    else:
        header = "| ID | Ação | Owner | Prazo | Status | Concluída em | Must-fix |"
    out = [header, "|----|------|-------|-------|--------|--------------|----------|"]
    for action in pm.actions:
        if action.in_csv:
            continue
        status, completed = action.status_on(today)
        shown = STATUS_EN[status] if english else status
        flag = (
            ("yes" if action.must_fix else "no")
            if english
            else ("sim" if action.must_fix else "não")
        )
        done = completed.isoformat() if completed else ""
        out.append(
            f"| {action.id} | {action.title} | {action.owner} | {action.due_date.isoformat()} "
            f"| {shown} | {done} | {flag} |"
        )
    return out
