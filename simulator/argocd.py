"""Argo CD API server: applications with truncated sync history, sessions."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from opskpi.simulator.org import App, Deploy, FailedSync
from opskpi.simulator.routing import HttpError, Request, Response, Router
from opskpi.simulator.timeutil import iso_seconds
from opskpi.simulator.world import World

router = Router()


def error(status: int, message: str, code: int) -> HttpError:
    return HttpError(
        Response(status, {"error": message, "code": code, "message": message, "details": []})
    )


def authorised(request: Request, token: str) -> bool:
    header = request.headers.get("Authorization", "").strip()
    cookie = request.headers.get("Cookie", "")
    return header == f"Bearer {token}" or f"argocd.token={token}" in cookie


def unauthorised() -> Response:
    return error(401, "no session information", 16).response


def handle(request: Request) -> Response:
    try:
        response = router.dispatch(request)
    except HttpError as exc:
        response = exc.response
    if response is None:
        response = error(404, "Not Found", 5).response
    return response


def _source(app: App) -> dict[str, Any]:
    return {"repoURL": app.repo_url, "path": app.path, "targetRevision": "main"}


def _initiator(user: str | None) -> dict[str, Any]:
    return {"automated": True} if user is None else {"username": user}


def history_at(world: World, app: App, now: datetime) -> list[Deploy]:
    """The ``status.history`` entries at ``now``, truncated to the app's history limit."""
    done = [d for d in world.deploys_by_app.get(app.name, []) if d.deployed_at <= now]
    return done[-app.effective_history_limit :] if app.effective_history_limit > 0 else []


def _operation(app: App, op: Deploy | FailedSync, phase: str, now: datetime) -> dict[str, Any]:
    started = op.started_at
    finished = op.deployed_at if isinstance(op, Deploy) else op.finished_at
    state: dict[str, Any] = {
        "operation": {
            "sync": {
                "revision": op.revision,
                "source": _source(app),
                "syncOptions": ["CreateNamespace=true"],
                "syncStrategy": {"apply": {}},
            },
            "initiatedBy": _initiator(op.initiated_by),
            "retry": {},
        },
        "phase": phase,
        "startedAt": iso_seconds(started),
    }
    if phase == "Running":
        state["message"] = "waiting for completion of hook apps/Deployment"
        return state
    state["finishedAt"] = iso_seconds(finished)
    if isinstance(op, FailedSync):
        state["message"] = op.message
        state["retryCount"] = 1
        return state
    state["message"] = "successfully synced (all tasks run)"
    state["syncResult"] = {
        "revision": op.revision,
        "source": _source(app),
        "resources": [
            {
                "group": "apps",
                "version": "v1",
                "kind": "Deployment",
                "namespace": app.namespace,
                "name": app.service,
                "status": "Synced",
                "message": f"deployment.apps/{app.service} configured",
                "syncPhase": "Sync",
                "hookPhase": "Running",
                "images": [f"registry.construtora.example/{app.service}:{op.revision[:12]}"],
            }
        ],
    }
    return state


def _latest_operation(world: World, app: App, now: datetime) -> dict[str, Any] | None:
    deploys = [d for d in world.deploys_by_app.get(app.name, []) if d.started_at <= now]
    failed = [f for f in world.failed_by_app.get(app.name, []) if f.started_at <= now]
    latest_deploy = deploys[-1] if deploys else None
    latest_failed = failed[-1] if failed else None
    if latest_failed and (
        latest_deploy is None or latest_failed.started_at > latest_deploy.started_at
    ):
        phase = "Failed" if latest_failed.finished_at <= now else "Running"
        return _operation(app, latest_failed, phase, now)
    if latest_deploy is not None:
        phase = "Succeeded" if latest_deploy.deployed_at <= now else "Running"
        return _operation(app, latest_deploy, phase, now)
    return None


def render_application(world: World, app: App, now: datetime) -> dict[str, Any]:
    history = history_at(world, app, now)
    operation = _latest_operation(world, app, now)
    failed = operation is not None and operation["phase"] == "Failed"
    current = history[-1].revision if history else None
    changes = len([d for d in world.deploys_by_app.get(app.name, []) if d.started_at <= now])
    spec: dict[str, Any] = {
        "project": app.project,
        "source": _source(app),
        "destination": {"server": "https://kubernetes.default.svc", "namespace": app.namespace},
        "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
    }
    if app.automated:
        spec["syncPolicy"]["automated"] = {"prune": True, "selfHeal": True}
    if app.history_limit is not None:
        spec["revisionHistoryLimit"] = app.history_limit
    status: dict[str, Any] = {
        "sync": {
            "status": "OutOfSync" if failed or current is None else "Synced",
            "revision": current or "",
            "comparedTo": {"source": _source(app), "destination": spec["destination"]},
        },
        "health": {"status": "Degraded" if failed else "Healthy"},
        "history": [
            {
                "id": d.id,
                "revision": d.revision,
                "deployStartedAt": iso_seconds(d.started_at),
                "deployedAt": iso_seconds(d.deployed_at),
                "source": _source(app),
                "initiatedBy": _initiator(d.initiated_by),
            }
            for d in history
        ],
        "reconciledAt": iso_seconds(now),
        "sourceType": "Kustomize",
        "summary": {
            "images": [f"registry.construtora.example/{app.service}:{(current or '')[:12]}"]
        },
        "controllerNamespace": "argocd",
    }
    if operation is not None:
        status["operationState"] = operation
    return {
        "metadata": {
            "name": app.name,
            "namespace": "argocd",
            "uid": _uid(world.org.seed, app.name),
            "resourceVersion": str(4_000_000 + changes * 7),
            "generation": 1 + changes,
            "creationTimestamp": iso_seconds(app.created_at),
            "labels": {"team": app.project, "service": app.service},
        },
        "spec": spec,
        "status": status,
    }


def _uid(seed: int, name: str) -> str:
    h = hashlib.md5(f"{seed}:{name}".encode(), usedforsecurity=False).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _selector_matches(app: App, selector: str) -> bool:
    labels = {"team": app.project, "service": app.service}
    for term in filter(None, (t.strip() for t in selector.split(","))):
        key, sep, value = term.partition("=")
        if not sep:
            if key not in labels:
                return False
            continue
        if labels.get(key.strip().rstrip("=")) != value.strip():
            return False
    return True


@router.add("GET", "/api/v1/applications")
def list_applications(request: Request) -> Response:
    world, now = request.world, request.now
    projects = set(request.args("projects")) | set(request.args("project"))
    selector = request.arg("selector") or ""
    name = request.arg("name")
    items = [
        render_application(world, app, now)
        for app in world.org.apps
        if app.created_at <= now
        and (not projects or app.project in projects)
        and (not name or app.name == name)
        and _selector_matches(app, selector)
    ]
    version = sum(int(i["metadata"]["resourceVersion"]) for i in items)
    return Response(200, {"metadata": {"resourceVersion": str(version)}, "items": items})


@router.add("GET", r"/api/v1/applications/(?P<name>[^/]+)")
def get_application(request: Request) -> Response:
    app = request.world.apps.get(request.params["name"])
    if app is None or app.created_at > request.now:
        if request.args("project"):
            raise error(404, f'applications.argoproj.io "{request.params["name"]}" not found', 5)
        raise error(403, "permission denied", 7)
    return Response(200, render_application(request.world, app, request.now))


@router.add(
    "GET", r"/api/v1/applications/(?P<name>[^/]+)/revisions/(?P<revision>[0-9a-f]+)/metadata"
)
def revision_metadata(request: Request) -> Response:
    """Commit metadata of a revision the application has deployed (author = initiator)."""
    world, now = request.world, request.now
    app = world.apps.get(request.params["name"])
    revision = request.params["revision"]
    deploy = next(
        (
            d
            for d in world.deploys_by_app.get(app.name if app else "", [])
            if d.revision.startswith(revision) and d.started_at <= now
        ),
        None,
    )
    if app is None or deploy is None:
        raise error(404, f"revision {revision} not found", 5)
    author = world.users.get(deploy.initiated_by or "")
    name = f"{author.name} <{author.email}>" if author else "Renovate Bot <bot@construtora.example>"
    return Response(
        200,
        {
            "author": name,
            "date": iso_seconds(deploy.started_at - timedelta(minutes=37)),
            "message": f"{app.service}: release {deploy.revision[:7]}",
            "tags": [],
        },
    )


def session_response(request: Request, username: str, password: str, token: str) -> Response:
    body = request.json() or {}
    if body.get("username") == username and body.get("password") == password:
        return Response(200, {"token": token})
    if body.get("token") == token:
        return Response(200, {"token": token})
    raise error(401, "Invalid username or password", 16)


def userinfo(request: Request, username: str) -> Response:
    return Response(200, {"loggedIn": True, "username": username, "iss": "argocd", "groups": []})
