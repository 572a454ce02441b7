#!/usr/bin/env bash
# Run every check: install what is needed (Python packages into .venv; Debian prometheus,
# chromium and chromium-driver), then ruff (lint and format), mypy, the Grafana golden check,
# and pytest. Tests start the services they use themselves (the API simulator, Prometheus, the
# exporter, Streamlit, Chromium), on 127.0.0.1. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --system
echo "== ruff" >&2
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy" >&2
scripts/typecheck.sh
echo "== grafana dashboards up to date" >&2
.venv/bin/python -m opskpi.grafana.generate --check
echo "== pytest" >&2
exec .venv/bin/python -m pytest "$@"
