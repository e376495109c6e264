#!/usr/bin/env bash
# build-image.sh IMAGE: build the PostGIS test image offline from Debian packages, only when
# IMAGE is missing. Nothing is pulled from a container registry:
#   debootstrap (Debian's own mirror, as configured for apt) -> docker import -> Dockerfile.
set -euo pipefail

image=${1:-tmimport/postgis:15}
base=${image%%:*}-base:${image##*:}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The image is rebuilt when its sources change (a label records their hash); the
# debootstrap base is reused.
rev=$(cat "$here/Dockerfile" "$here/docker-entrypoint.sh" | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "tmimport.rev" }}' "$image" 2>/dev/null || true)
if [ "$have" = "$rev" ]; then
	exit 0
fi
case "$image" in
*/postgis/postgis* | postgis/postgis* | postgres:* | */postgres:*)
	echo "build-image: $image is a registry image; this script only builds local images and never pulls." >&2
	echo "Pull it yourself where a registry is reachable, or unset TMIMPORT_PG_IMAGE." >&2
	exit 1
	;;
esac

if ! docker image inspect "$base" >/dev/null 2>&1; then
	if ! command -v debootstrap >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
				{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
		else
			echo "build-image: debootstrap is missing (apt-get install debootstrap)" >&2
			exit 1
		fi
	fi
	rootfs=$(mktemp -d /var/tmp/tmimport-rootfs.XXXXXX)
	trap 'rm -rf "$rootfs"' EXIT
	echo "build-image: debootstrap bookworm into $rootfs (about a minute) ..." >&2
	debootstrap --variant=minbase --include=postgresql-15,postgresql-15-postgis-3 \
		bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
		tail -n 30 "$rootfs.log" >&2
		exit 1
	}
	rm -f "$rootfs.log"
	# Trim what a database container never needs.
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
		"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/var/lib/postgresql/15/main
	tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
fi

docker build -q --label "tmimport.rev=$rev" --build-arg BASE="$base" -t "$image" "$here" >/dev/null
echo "build-image: built $image" >&2
