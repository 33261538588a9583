#!/usr/bin/env bash
# Set up a virtual environment and start the bot (needs TELEGRAM_BOT_TOKEN in the environment
# or in .env). Data goes to ./data/ by default.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/python -m bot run
