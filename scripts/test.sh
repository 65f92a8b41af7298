#!/usr/bin/env bash
# Checks the system packages the tests need (scripts/prereqs.sh: installs them as root, names them
# otherwise), installs kronika (whose build fetches the web page's files when missing) and its test
# dependencies into .venv, and runs every test; arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/python -m pytest -q "$@"
