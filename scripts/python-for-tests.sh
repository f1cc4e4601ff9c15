#!/usr/bin/env bash
# Prints the Python that has boto3 and sits beside the `aws` CLI on PATH.
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import boto3, botocore' 2>/dev/null; then
    command -v "$candidate"
    exit 0
  fi
done
echo "no Python with boto3 found; run scripts/install-deps.sh" >&2
exit 1
