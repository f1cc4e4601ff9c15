#!/usr/bin/env bash
# Makes this machine ready for the tests that run real containers: Docker
# installed and answering on /var/run/docker.sock, Debian's docker-compose,
# and the local test image ecsd-test/busybox:latest (no public registry is
# reachable, so the image is built from Debian's busybox-static). Does only
# what is missing; safe to run again, also while a dockerd started by an
# earlier run is up.
#   ECSD_DOCKERD_LOG  where a dockerd started here logs (/tmp/ecsd-dockerd.log)
# A dockerd started here has its PID in /tmp/ecsd-dockerd.pid: tests may
# restart that one (and only that one) to show the agent rides it out.
set -euo pipefail

image=ecsd-test/busybox:latest
socket=/var/run/docker.sock
log="${ECSD_DOCKERD_LOG:-/tmp/ecsd-dockerd.log}"
pidfile=/tmp/ecsd-dockerd.pid
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
done_=()

# The agent's introspection ports are never handed out as a connection's
# source port (ECS-optimized hosts reserve them the same way): otherwise a
# test's client connection can hold 51678 just when an agent listens there.
if [ "$(cat /proc/sys/net/ipv4/ip_local_reserved_ports 2>/dev/null)" != "51678-51680" ]; then
  $SUDO sysctl -qw net.ipv4.ip_local_reserved_ports=51678-51680 2>/dev/null &&
    done_+=("reserved ports 51678-51680") || true
fi

missing=()
for p in docker.io docker-compose busybox-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  done_+=("installed ${missing[*]}")
fi

docker_answers() { [ -S "$socket" ] && timeout 10 $SUDO docker version >/dev/null 2>&1; }

# Nothing starts dockerd on these machines (no systemd): start it detached, so
# it outlives this script, unless one is already up (or still starting).
if ! docker_answers; then
  if ! pgrep -x dockerd >/dev/null; then
    $SUDO setsid -f /usr/sbin/dockerd --pidfile "$pidfile" >>"$log" 2>&1 </dev/null
    done_+=("started dockerd (log $log)")
  fi
  for _ in $(seq 40); do
    docker_answers && break
    sleep 0.5
  done
  if ! docker_answers; then
    echo "docker-test-env: Docker does not answer on $socket after 20 s; last lines of $log:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
fi

# The test image: busybox and its applet links, users, and a page for httpd.
if ! $SUDO docker image inspect "$image" >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  rootfs="$tmp/rootfs"
  mkdir -p "$rootfs"/{bin,etc,root,tmp,www}
  busybox="$(dpkg -L busybox-static | grep -m1 -E '/bin/busybox$')"
  cp "$busybox" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  echo '<html><body>ecsd test image</body></html>' >"$rootfs/www/index.html"
  chmod 1777 "$rootfs/tmp"
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
    $SUDO docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
  done_+=("built $image")
fi

version="$($SUDO docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
if ((${#done_[@]})); then
  summary="$(printf '%s; ' "${done_[@]}")"
  echo "docker-test-env: ${summary%; } (Docker $version)"
else
  echo "docker-test-env: ready (Docker $version running, $image present)"
fi
