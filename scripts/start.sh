#!/usr/bin/env bash
# Start the bot (needs TELEGRAM_BOT_TOKEN in the environment or in .env). Data goes to ./data/
# by default. The first run sets up .venv; later runs install nothing unless pyproject.toml
# changed, so a restart is quick and works offline.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv
exec .venv/bin/python -m bot run
