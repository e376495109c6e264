#!/usr/bin/env bash
# ensure-docker.sh: make sure a Docker daemon answers on this machine.
#
# If `docker info` already works, do nothing. Otherwise, when running as root on a
# Debian-like system with apt, install Debian's docker.io and start dockerd in the
# background (log: ${DOCKERD_LOG:-/var/log/tmimport-dockerd.log}), then wait for the
# socket. A daemon this script did not start is never stopped or restarted.
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/tmimport-dockerd.log}

answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
	exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-docker: no Docker daemon answers." >&2
	echo "Install and start Docker (Debian: apt-get install docker.io && dockerd &), then retry." >&2
	exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
	echo "ensure-docker: installing Debian's docker.io ..." >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
fi

# A daemon may be starting already (another make target, another shell): wait first.
for _ in $(seq 1 5); do answers && exit 0; sleep 1; done

echo "ensure-docker: starting dockerd (log: $log) ..." >&2
# Detach fully so the daemon outlives make; this script never stops it.
nohup setsid dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
	if answers; then
		echo "ensure-docker: dockerd is up." >&2
		exit 0
	fi
	sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; last log lines:" >&2
tail -n 20 "$log" >&2 || true
exit 1
