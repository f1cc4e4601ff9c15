#!/usr/bin/env bash
# Installs what building and testing ecsd needs, from Debian's packages, and
# only what is missing. Safe to run again.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libboost1.81-all-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev openssl
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# The end-to-end tests drive ecsd with the real AWS CLI and boto3. Use the
# machine's own when it has them; otherwise Debian's.
if ! { command -v aws >/dev/null && python3 -c 'import boto3, botocore' 2>/dev/null; }; then
  missing+=(awscli python3-boto3)
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
