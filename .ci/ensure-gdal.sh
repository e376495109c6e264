#!/usr/bin/env bash
# ensure-gdal.sh: make sure ogr2ogr (GDAL's command-line tools) is installed. The GeoJSON
# integration test compares tmimport with ogr2ogr, and under `make test`
# (TMIMPORT_REQUIRE_DB=1) it fails when ogr2ogr is missing, so `make test` requires it.
#
# When ogr2ogr is missing and this runs as root on a Debian-like system, install
# Debian's gdal-bin; otherwise fail, saying what to install.
set -euo pipefail

if command -v ogr2ogr >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-gdal: ogr2ogr is missing, and only root with apt-get can install it here." >&2
	echo "Install GDAL's tools (Debian/Ubuntu: apt-get install gdal-bin), then retry." >&2
	exit 1
fi
echo "ensure-gdal: installing Debian's gdal-bin ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt_install() { apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends gdal-bin >/dev/null; }
# A fresh machine may have no package lists yet: update once and retry.
apt_install 2>/dev/null || { apt-get -o DPkg::Lock::Timeout=300 update -qq && apt_install; } || {
	echo "ensure-gdal: apt-get could not install gdal-bin (see above); ogr2ogr is required by make test." >&2
	exit 1
}
if ! command -v ogr2ogr >/dev/null 2>&1; then
	echo "ensure-gdal: gdal-bin is installed but ogr2ogr is not on PATH ($PATH)." >&2
	exit 1
fi
echo "ensure-gdal: $(ogr2ogr --version)" >&2
