#!/usr/bin/env bash
# Runs a command in a network namespace whose only interface is loopback, so that nothing it
# starts (workerd, Miniflare, test stubs) can reach any host but 127.0.0.1: in particular no
# Cloudflare host. The stubs must run inside too, which is why the whole command goes in.
#   bash deploy/cloudflare/netns.sh node --test tests/e2e/worker.test.mjs
# Falls back to running the command as is (with a warning) where namespaces are not allowed,
# e.g. in an unprivileged container; cf: false and WRANGLER_SEND_METRICS=false still apply.
set -euo pipefail
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

if [[ "${EDGEPOST_NETNS:-}" != "1" ]] && command -v unshare >/dev/null; then
  for flags in -n -rn; do  # as root; else as an unprivileged user mapped to root
    if unshare "$flags" true 2>/dev/null; then
      exec unshare "$flags" env EDGEPOST_NETNS=1 bash -c \
        'ip link set lo up; exec "$@"' netns "$@"
    fi
  done
fi
[[ "${EDGEPOST_NETNS:-}" == "1" ]] ||
  echo "netns.sh: no network namespace available; running without one" >&2
exec "$@"
