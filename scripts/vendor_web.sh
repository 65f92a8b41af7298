#!/usr/bin/env bash
# Puts the page's third-party files (npm packages leaflet, topojson-client, world-atlas, and
# swagger-ui-dist for the API docs) into
# src/kronika/web/static/vendor: the page loads nothing from the internet. Needs npm; run once
# after cloning (the README's set-up commands and .ci/run do).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=src/kronika/web/static/vendor
if [ -f "$dest/leaflet/leaflet.js" ] && [ -f "$dest/topojson-client.min.js" ] && [ -f "$dest/countries-110m.json" ] \
   && [ -f "$dest/swagger/swagger-ui-bundle.js" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent leaflet@1.9.4 topojson-client@3.1.0 world-atlas@2.0.2 swagger-ui-dist@5.17.14 >/dev/null )
mkdir -p "$dest/leaflet"
tar -xzf "$tmp/leaflet-1.9.4.tgz" -C "$tmp" && cp -r "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" \
  "$tmp/package/dist/images" "$tmp/package/LICENSE" "$dest/leaflet/" && rm -rf "$tmp/package"
tar -xzf "$tmp/topojson-client-3.1.0.tgz" -C "$tmp" && cp "$tmp/package/dist/topojson-client.min.js" "$dest/" \
  && cp "$tmp/package/LICENSE" "$dest/topojson-client.LICENSE" && rm -rf "$tmp/package"
tar -xzf "$tmp/world-atlas-2.0.2.tgz" -C "$tmp" && cp "$tmp/package/countries-110m.json" "$dest/" \
  && cp "$tmp/package/LICENSE" "$dest/world-atlas.LICENSE" && rm -rf "$tmp/package"
mkdir -p "$dest/swagger"
tar -xzf "$tmp/swagger-ui-dist-5.17.14.tgz" -C "$tmp" && cp "$tmp/package/swagger-ui-bundle.js" "$tmp/package/swagger-ui.css" \
  "$tmp/package/LICENSE" "$dest/swagger/" && rm -rf "$tmp/package"
echo "vendored leaflet, topojson-client, world-atlas and swagger-ui-dist into $dest"
