#!/usr/bin/env bash
# Type-check opskpi with mypy as it is installed: opskpi.app is app/, opskpi.etl is etl/, ...
# (pyproject's package-dir). mypy does not follow setuptools' editable import hook, so it
# reads a tree of links under .typecheck/ that has the installed shape.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .typecheck
mkdir -p .typecheck/opskpi
.venv/bin/python - <<'PY'
import tomllib
from pathlib import Path

mapping = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
for package, folder in mapping.items():
    Path(".typecheck", *package.split(".")).symlink_to(Path("../..", folder))
PY
cd .typecheck
exec ../.venv/bin/python -m mypy --config-file ../pyproject.toml -p opskpi "$@"
