#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry (needs npm and network; never run at app start).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack leaflet@1.9.4 leaflet.markercluster@1.5.3 leaflet.heat@0.2.0 topojson-client@3.1.0 >/dev/null)
for f in "$work"/*.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
V=static/vendor
cp -r "$work"/leaflet-1.9.4/package/dist/{leaflet.js,leaflet.css,images} "$work"/leaflet-1.9.4/package/LICENSE $V/leaflet/
cp "$work"/leaflet.markercluster-1.5.3/package/dist/{leaflet.markercluster.js,MarkerCluster.css,MarkerCluster.Default.css} $V/leaflet.markercluster/
cp "$work"/leaflet.markercluster-1.5.3/package/MIT-LICENCE.txt $V/leaflet.markercluster/LICENSE
cp "$work"/leaflet.heat-0.2.0/package/dist/leaflet-heat.js "$work"/leaflet.heat-0.2.0/package/LICENSE $V/leaflet.heat/
mkdir -p $V/topojson-client
cp "$work"/topojson-client-3.1.0/package/dist/topojson-client.min.js "$work"/topojson-client-3.1.0/package/LICENSE $V/topojson-client/
