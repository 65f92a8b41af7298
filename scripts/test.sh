#!/usr/bin/env bash
# Installs kronika and its test dependencies into .venv, fetches the web page's map files (npm),
# and runs every test (PostgreSQL and Chromium must be installed: .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
bash scripts/vendor_web.sh  # the web page's map files, from npm
.venv/bin/python -m pytest -q "$@"
