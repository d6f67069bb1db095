#!/usr/bin/env bash
# Fails when gen/ does not match what buf generates from proto/, or when
# buf lint complains. Runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/fetch-protos.js
npx buf lint
npx buf generate
if ! git diff --quiet --exit-code -- gen || [ -n "$(git ls-files --others --exclude-standard -- gen)" ]; then
  echo "gen/ is stale: run 'npm run generate' and commit the result" >&2
  git status --short -- gen >&2
  exit 1
fi
echo "gen/ is up to date and buf lint passes"
