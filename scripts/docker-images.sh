#!/usr/bin/env bash
# Builds the container images ecsd:local and ecs-agent:local without a
# registry, for docker/compose.yaml. No Dockerfile and no base image: each
# image is a root filesystem made here, holding the binary built on this
# machine, the shared libraries it loads (as ldd lists them, so the image runs
# exactly what this host runs), the CA certificates, and busybox (a shell for
# compose's healthcheck and for `docker exec`), loaded with `docker import`.
# Does only what is missing: Docker running, docker-compose installed and
# ecsd-test/busybox:latest made (by scripts/docker-test-env.sh), ca-certificates,
# the binaries built, and an image made again only when its inputs changed
# (their digest is the image's label ecsd.inputs). Safe to run again.
#   scripts/docker-images.sh      builds ecsd and ecs-agent in ECSD_BUILD_DIR (build) first
#   ECSD_BINARY=PATH ECS_AGENT_BINARY=PATH scripts/docker-images.sh   uses these binaries
# Then: docker-compose -p ecsd -f docker/compose.yaml up -d
set -euo pipefail
self="$(realpath "$0")"
cd "$(dirname "$self")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
done_=()

scripts/docker-test-env.sh

if ! dpkg-query -W -f='${Status}' ca-certificates 2>/dev/null | grep -q 'install ok installed'; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    ca-certificates >/dev/null
  done_+=("installed ca-certificates")
fi

ecsd="${ECSD_BINARY:-}"
agent="${ECS_AGENT_BINARY:-}"
if [ -z "$ecsd" ] || [ -z "$agent" ]; then
  scripts/install-deps.sh
  build="${ECSD_BUILD_DIR:-build}"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target ecsd ecs-agent
  ecsd="${ecsd:-$build/ecsd}"
  agent="${agent:-$build/ecs-agent}"
fi

busybox="$(dpkg -L busybox-static | grep -m1 -E '/bin/busybox$')"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The absolute paths of the shared objects BINARY loads, its loader included.
libraries() {
  local listed
  if ! listed="$(ldd "$1" 2>&1)"; then
    [[ "$listed" == *"not a dynamic executable"* ]] && return 0
    echo "docker-images: ldd $1: $listed" >&2
    return 1
  fi
  if grep -q 'not found' <<<"$listed"; then
    echo "docker-images: $1 needs libraries this host lacks:" >&2
    grep 'not found' <<<"$listed" >&2
    return 1
  fi
  grep -o '/[^ ]*' <<<"$listed" || true
}

# image NAME BINARY INSTALLED-AS CHANGE...: imports NAME (CHANGEs are Dockerfile
# instructions for `docker import -c`) unless it holds these inputs already.
image() {
  local name="$1" binary="$2" installed="$3"
  shift 3
  [ -x "$binary" ] || { echo "docker-images: no binary at $binary" >&2; exit 1; }
  local listed libs=()
  listed="$(libraries "$binary")"
  [ -z "$listed" ] || mapfile -t libs <<<"$listed"
  local inputs
  inputs="$({
    sha256sum <"$self"
    printf '%s\n' "$installed" "$@"
    sha256sum <"$binary"
    sha256sum <"$busybox"
    sha256sum <"$ca_bundle"
    for lib in "${libs[@]}"; do printf '%s %s\n' "$lib" "$(sha256sum <"$lib")"; done
  } | sha256sum | cut -c1-64)"
  local current
  current="$($SUDO docker image inspect -f '{{index .Config.Labels "ecsd.inputs"}}' "$name" \
    2>/dev/null || true)"
  if [ "$current" = "$inputs" ]; then
    return 0
  fi
  local previous
  previous="$($SUDO docker image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)"

  local rootfs="$tmp/$name"
  mkdir -p "$rootfs"/{bin,etc/ssl/certs,root,tmp,usr/lib/ssl,usr/local/bin}
  cp "$binary" "$rootfs$installed"
  for lib in "${libs[@]}"; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  cp "$busybox" "$rootfs/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  ln -s /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/lib/ssl/cert.pem"
  ln -s /etc/ssl/certs "$rootfs/usr/lib/ssl/certs"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chmod 1777 "$rootfs/tmp"

  local changes=(-c "ENV PATH=/usr/local/bin:/bin" -c "ENTRYPOINT [\"$installed\"]"
                 -c "LABEL ecsd.inputs=$inputs")
  for change in "$@"; do changes+=(-c "$change"); done
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
    $SUDO docker import "${changes[@]}" - "$name" >/dev/null
  # The image this one replaces, now untagged, unless a container still uses it.
  if [ -n "$previous" ]; then
    $SUDO docker image rm "$previous" >/dev/null 2>&1 || true
  fi
  done_+=("built $name")
}

image ecsd:local "$ecsd" /usr/local/bin/ecsd \
  "ENV ECSD_DATA_DIR=/var/lib/ecsd ECSD_LISTEN=0.0.0.0:8443" \
  "VOLUME /var/lib/ecsd" "EXPOSE 8443"
image ecs-agent:local "$agent" /usr/local/bin/ecs-agent \
  "ENV ECS_DATADIR=/data DOCKER_HOST=unix:///var/run/docker.sock" "VOLUME /data"

if ((${#done_[@]})); then
  summary="$(printf '%s; ' "${done_[@]}")"
  echo "docker-images: ${summary%; }"
else
  echo "docker-images: ready (ecsd:local and ecs-agent:local hold these binaries)"
fi
