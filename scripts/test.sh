#!/usr/bin/env bash
# The project's one test command (README, .ci/run): installs what a fresh Debian machine lacks, starts a real
# dockerd and a real registry on loopback, checks types and the committed dist/, then runs every jest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund

if [ -z "${DOCKER_HOST:-}" ] || [ -z "${TEST_REGISTRY:-}" ]; then
  if [ "$(id -u)" != 0 ]; then
    # dockerd needs root; an engine and a registry that already run do not (README: Tests without root)
    echo "npm test starts dockerd and a registry, which needs root. Run it as root, or against an engine and a registry" >&2
    echo "that already run: DOCKER_HOST=unix:///run/user/$(id -u)/docker.sock TEST_REGISTRY=127.0.0.1:5000 npm test" >&2
    exit 1
  fi
  # shellcheck source=scripts/engines.sh
  . scripts/engines.sh
  trap stop_engines EXIT
  start_engines
else
  echo "using the running engines: DOCKER_HOST=$DOCKER_HOST TEST_REGISTRY=$TEST_REGISTRY"
fi

node scripts/gen-version.mjs
npx tsc --noEmit -p tsconfig.json
# lint and format: ESLint (eslint.config.mjs) and Prettier (.prettierrc.json) over the code, tests and scripts
npx eslint src __tests__ scripts
npx prettier --check src __tests__ scripts
node scripts/package.mjs --check
npx jest --ci "$@"
