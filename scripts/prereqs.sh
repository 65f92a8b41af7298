#!/usr/bin/env bash
# The Debian packages the tests need: PostgreSQL (the store's tests start a throw-away server of
# their own), Chromium and chromedriver (the page's tests), npm (the web page's third-party files,
# fetched when kronika is built from a source checkout that lacks them) and Python's venv module.
# As root it installs what is missing with apt-get; otherwise it names the packages and the command
# and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null; then
  echo "scripts/prereqs.sh: kronika needs Python 3.11 or later as python3 (found: $(python3 --version 2>&1))" >&2
  exit 1
fi
need=()
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if ! command -v npm >/dev/null 2>&1 && ! python3 src/kronika/web/vendor.py --check >/dev/null 2>&1; then
  need+=(npm)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/prereqs.sh: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
