#!/usr/bin/env bash
# Puts the web page's third-party files (npm packages, listed with their versions and licences in
# src/kronika/web/vendor.json) into src/kronika/web/static/vendor. Building or installing kronika
# does this by itself; run it after editing vendor.json. Needs npm. --check lists what is missing,
# --force fetches again. The work is done by src/kronika/web/vendor.py, which the build hook uses.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 src/kronika/web/vendor.py "$@"
