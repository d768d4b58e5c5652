#!/usr/bin/env bash
# The project's one test command (README, .ci/run): installs what a fresh Debian machine lacks, starts a real
# dockerd and a real registry on loopback, checks types and the committed dist/, then runs every jest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund

if [ -z "${DOCKER_HOST:-}" ] || [ -z "${TEST_REGISTRY:-}" ]; then
  # shellcheck source=scripts/engines.sh
  . scripts/engines.sh
  trap stop_engines EXIT
  start_engines
fi

node scripts/gen-version.mjs
npx tsc --noEmit -p tsconfig.json
# lint and format: ESLint (eslint.config.mjs) and Prettier (.prettierrc.json) over the code, tests and scripts
npx eslint src __tests__ scripts
npx prettier --check src __tests__ scripts
node scripts/package.mjs --check
npx jest --ci "$@"
