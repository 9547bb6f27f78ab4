#!/usr/bin/env bash
# Runs CivicDesk's browser tests (headless Debian Chromium, playwright-core,
# axe-core) against a freshly built server. Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v node >/dev/null 2>&1 || missing+=("node (Node.js 20 or later)")
command -v npm >/dev/null 2>&1 || missing+=("npm")
command -v go >/dev/null 2>&1 || missing+=("go (to build the server)")
if ((${#missing[@]})); then
  echo "browser tests: missing: ${missing[*]}" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
  echo "browser tests: Node.js 20 or later is needed, found $(node --version)" >&2
  exit 1
fi

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: installing Debian's chromium" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "browser tests: $chromium is missing; install it (as root: apt-get update && apt-get install -y chromium)" >&2
    echo "or point CHROMIUM_PATH at a Chromium binary." >&2
    exit 1
  fi
fi

if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

exec node --test "$@"
