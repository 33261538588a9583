#!/usr/bin/env bash
# Set up a virtual environment with the dev tools (only when .venv is missing or pyproject.toml
# changed), then lint, type-check and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
