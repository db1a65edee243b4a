#!/bin/bash
# Runs a command with DATA/kv on a tiny private tmpfs, in a mount namespace of its own:
#   unshare -m bash faults-mount.sh MODE DATA CONFIG -- node cli.mjs serve ...
# MODE full: config loaded, then the tmpfs filled up;  ro: config loaded, then remounted read-only.
# The command is exec'd, so its pid is this script's pid (nsenter -t PID -m sees the tmpfs).
set -euo pipefail
mode=$1 data=$2 config=$3
shift 4
kv="$data/kv"
mkdir -p "$kv"
mount -t tmpfs -o size=512k,mode=0755 edgepost-faults "$kv"
node "$(dirname "$0")/../../local-runner/cli.mjs" config load "$config" --data "$data" --functions "$EDGEPOST_FUNCTIONS_DIR" >/dev/null
case "$mode" in
  full) dd if=/dev/zero of="$kv/.filler" bs=4k 2>/dev/null || true ;;
  ro) mount -o remount,ro "$kv" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
exec "$@"
