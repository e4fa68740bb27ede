#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the real-browser tests,
# poppler-utils (pdftotext) and fonts with Vietnamese glyphs for screenshots,
# PostgreSQL with PostGIS for the store's PostgreSQL backend (the tests start a
# throwaway server of their own from /usr/lib/postgresql/*/bin; no service is run),
# nginx for the several-process tests and bench/load.py (deploy/nginx-risk-dashboard.conf).
# Installs only what is missing; needs root or sudo.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
# PostGIS for the server's major version (Debian 12: postgresql-15-postgis-3); the version is
# read from the installed server, or from the postgresql package Debian would install.
pg_major=""
for bin in /usr/lib/postgresql/*/bin/initdb; do
  [ -x "$bin" ] && pg_major=$(basename "$(dirname "$(dirname "$bin")")")
done
if [ -z "$pg_major" ]; then
  pg_major=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n1)
fi
[ -n "$pg_major" ] || pg_major=15
compgen -G "/usr/share/postgresql/${pg_major}/extension/postgis.control" >/dev/null || need+=("postgresql-${pg_major}-postgis-3")
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${need[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
