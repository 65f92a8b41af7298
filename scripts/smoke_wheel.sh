#!/usr/bin/env bash
# Builds kronika's sdist and wheel (the wheel from the sdist, as a user's pip would), installs the
# wheel into a fresh virtual environment outside the source tree, and from a folder outside it runs
# what a user runs: extract (an article file, an HTML page), ingest, watch (a local feed), serve (the
# page, its map files, the API and its docs). One line per failed check; exit 1 if any failed. Needs network for PyPI
# (pip's cache is used) and, when the tree lacks the web page's files, npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
tmp=$(mktemp -d)
case "$tmp/" in "$root"/*) echo "smoke_wheel: the temporary folder $tmp is inside the source tree" >&2; exit 1 ;; esac
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
failed=0
fail() { echo "smoke_wheel: FAILED: $*" >&2; failed=1; }
step() { echo "smoke_wheel: $*" >&2; }

step "building the sdist and the wheel"
"$python" -m venv "$tmp/tools"
"$tmp/tools/bin/pip" install --quiet build
"$tmp/tools/bin/python" -m build --outdir "$tmp/dist" "$root" >"$tmp/build.log" 2>&1 \
  || { tail -n 30 "$tmp/build.log" >&2; echo "smoke_wheel: FAILED: python -m build" >&2; exit 1; }
wheel=$(ls "$tmp"/dist/*.whl)
sdist=$(ls "$tmp"/dist/*.tar.gz)

# both archives must carry every file the wheel's VERSIONS.json lists, so neither needs npm
"$tmp/tools/bin/python" - "$wheel" "$sdist" <<'EOF' || failed=1
import json, sys, tarfile, zipfile
wheel, sdist = zipfile.ZipFile(sys.argv[1]), tarfile.open(sys.argv[2])
vendor = "kronika/web/static/vendor/"
try:
    manifest = json.loads(wheel.read(vendor + "VERSIONS.json"))
except KeyError:
    sys.exit("smoke_wheel: FAILED: the wheel has no " + vendor + "VERSIONS.json")
in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
bad = 0
for package in manifest["packages"]:
    for path in package["carried"]:
        for archive, names in (("wheel", set(wheel.namelist())), ("sdist", in_sdist)):
            wanted = vendor + path if archive == "wheel" else "src/" + vendor + path
            if wanted not in names:
                print(f"smoke_wheel: FAILED: the {archive} lacks {wanted} ({package['name']})", file=sys.stderr)
                bad = 1
sys.exit(bad)
EOF

step "installing $(basename "$wheel") into a fresh virtual environment"
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet "$wheel" >"$tmp/install.log" 2>&1 \
  || { tail -n 30 "$tmp/install.log" >&2; echo "smoke_wheel: FAILED: pip install the wheel" >&2; exit 1; }
kronika="$tmp/venv/bin/kronika"
mkdir "$tmp/work"
cd "$tmp/work"
export KRONIKA_CACHE="$tmp/cache"  # a first run, as on a fresh machine: the name index is built here
sample=$("$tmp/venv/bin/python" -c "import kronika, pathlib; print(pathlib.Path(kronika.__file__).parent / 'samples' / 'pl_01.txt')")

step "kronika extract on a sample article"
if ! timeout 180 "$kronika" extract "$sample" --format jsonl >events.jsonl 2>extract.err; then
  fail "kronika extract $sample: $(tail -n 2 extract.err | tr -s "\n " " ")"
elif ! "$tmp/venv/bin/python" -c "import json, sys; sys.exit(not [json.loads(l)['event_type'] for l in open('events.jsonl') if l.strip()])" 2>/dev/null; then
  fail "kronika extract $sample gave no events as JSON Lines"
fi

step "kronika extract on an HTML page"
cat >page.html <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Dockers blockade the port of Gdansk</title>
<meta property="article:published_time" content="2026-03-05"></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Dockers blockade the port of Gdansk</h1>
<p>Police arrested twelve protesters in Gdansk on Thursday after dockers blocked the entrance to the
port for a second day, the city's police spokesman said. The dockers demand higher wages and say
that talks with the port authority have stalled since January.</p>
<p>Several hundred people marched through the old town in the afternoon in support of the dockers.
The port authority said that ships were being sent to Gdynia while the blockade lasted.</p>
</article><footer>Copyright the example newspaper</footer></body></html>
EOF
if ! timeout 120 "$kronika" extract page.html --format jsonl >page.jsonl 2>page.err; then
  fail "kronika extract page.html: $(tail -n 2 page.err | tr -s "\n " " ")"
elif ! grep -Eq '(^|[^0-9])1 articles?' page.err && ! [ -s page.jsonl ]; then
  fail "kronika extract page.html read no article: $(tail -n 1 page.err)"
fi

step "kronika extract on a WARC archive (the page above as a crawl's response record)"
"$tmp/venv/bin/python" - <<'EOF'
from io import BytesIO
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
with open("crawl.warc.gz", "wb") as f:
    w = WARCWriter(f, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    w.write_record(w.create_warc_record("https://news.example/gdansk", "response",
                                        payload=BytesIO(open("page.html", "rb").read()), http_headers=headers))
EOF
if ! timeout 120 "$kronika" extract crawl.warc.gz --format jsonl >warc.jsonl 2>warc.err; then
  fail "kronika extract crawl.warc.gz: $(tail -n 2 warc.err | tr -s "\n " " ")"
elif ! [ -s warc.jsonl ]; then
  fail "kronika extract crawl.warc.gz gave no events: $(tail -n 1 warc.err)"
fi

step "kronika ingest into SQLite"
# the founding example too, where ../shared lies beside the checkout (CI, developers)
seed="$root/../shared/seed/000_01fde6d5beb19eeb.txt"
[ -f "$seed" ] || seed=""
if ! timeout 180 "$kronika" ingest "$sample" ${seed:+"$seed"} --db "$tmp/work/kronika.db" >ingest.out 2>ingest.err; then
  fail "kronika ingest $sample $seed: $(tail -n 2 ingest.err | tr -s "\n " " ")"
elif ! [ -s kronika.db ]; then
  fail "kronika ingest made no database file"
fi

step "kronika watch --once on a local feed"
mkdir site
cp page.html site/gdansk.html
feedport=$("$tmp/venv/bin/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
cat >site/feed.rss <<EOF
<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example News</title>
<item><title>Dockers blockade the port of Gdansk</title><link>http://127.0.0.1:$feedport/gdansk.html</link>
<guid>gdansk-1</guid><pubDate>Thu, 05 Mar 2026 08:00:00 +0000</pubDate></item></channel></rss>
EOF
(cd site && exec "$tmp/venv/bin/python" -m http.server "$feedport" --bind 127.0.0.1 >/dev/null 2>&1) &
feeds=$!
echo "http://127.0.0.1:$feedport/feed.rss lang=en name=\"Example News\"" >feeds.txt
sleep 1
if ! timeout 180 "$kronika" watch feeds.txt --db "$tmp/work/kronika.db" --once --per-host 0 >watch.out 2>watch.err; then
  fail "kronika watch --once: $(tail -n 2 watch.err | tr -s "\n " " ")"
elif ! "$kronika" watch-status --db "$tmp/work/kronika.db" --format json | "$tmp/venv/bin/python" -c \
    "import json, sys; s = json.load(sys.stdin)['sources']; sys.exit(not (len(s) == 1 and s[0]['items_stored'] == 1))"; then
  fail "kronika watch --once did not store the feed's article: $(tail -n 1 watch.err)"
fi
kill "$feeds" 2>/dev/null || true
wait "$feeds" 2>/dev/null || true

step "kronika serve"
port=$("$tmp/venv/bin/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$kronika" serve --db "$tmp/work/kronika.db" --port "$port" >serve.log 2>&1 &
server=$!
SEED="$seed" "$tmp/venv/bin/python" - "$port" "$server" <<'EOF' || { failed=1; tail -n 5 serve.log >&2; }
import json, os, sys, time, urllib.error, urllib.request
SEED = os.environ.get("SEED")

port, pid = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}"


def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


deadline = time.monotonic() + 120
while True:
    try:
        get("/")
        break
    except OSError:
        try:
            os.kill(pid, 0)  # still running?
        except ProcessLookupError:
            sys.exit("smoke_wheel: FAILED: kronika serve stopped before it answered")
        if time.monotonic() > deadline:
            sys.exit("smoke_wheel: FAILED: kronika serve did not answer on port " + port + " within 120 s")
        time.sleep(0.5)
bad = 0
checks = {
    "/": lambda body: b"/static/vendor/leaflet/leaflet.js" in body and b"map" in body,
    "/static/vendor/leaflet/leaflet.js": None,
    "/static/vendor/leaflet/leaflet.css": None,
    "/static/vendor/countries-110m.json": None,
    "/static/vendor/topojson-client.min.js": None,
    "/static/vendor/swagger/swagger-ui-bundle.js": None,
    "/docs": None,
    "/api/events": lambda body: len(json.loads(body)["items"]) > 0,
    "/api/events?per=mention&country=KZ": lambda body: (not SEED) or len(json.loads(body)["items"]) > 0,
    "/api/labels": lambda body: len(json.loads(body)) > 5000,
    "/api/watch": lambda body: len(json.loads(body)["sources"]) == 1,
}
for path, check in checks.items():
    status, body = get(path)
    try:
        good = status == 200 and (check is None or check(body))
    except ValueError:
        good = False
    if not good:
        print(f"smoke_wheel: FAILED: GET {path} answered {status}: {body[:120]!r}", file=sys.stderr)
        bad = 1
sys.exit(bad)
EOF
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
server=""

if [ "$failed" != 0 ]; then
  echo "smoke_wheel: the installed wheel failed the checks above" >&2
  exit 1
fi
step "the wheel installs and works outside the source tree"
