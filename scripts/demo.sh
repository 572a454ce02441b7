#!/usr/bin/env bash
# Run the whole product on its embedded default: the API simulator, a sync through the real
# connectors into data/demo/, then the Streamlit app and the Prometheus exporter on 127.0.0.1.
# Ctrl-C stops everything. Extra arguments go to `opskpi demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/opskpi demo "$@"
