#!/usr/bin/env bash
# Regenerates test/fixtures/upgrade/<version>/ from an older release: builds that commit in a scratch
# worktree, runs its `lazaret serve` on a fresh data dir and fills it through its SMTP port, API and CLI
# (scripts/upgrade-fixture/generate.mjs). Run by hand when a release is cut; CI only reads the fixture.
#   scripts/make-upgrade-fixture.sh <commit> <version>     e.g. scripts/make-upgrade-fixture.sh 1e0329f 0.1.0
set -euo pipefail
commit=${1:?usage: make-upgrade-fixture.sh <commit> <version>}
version=${2:?usage: make-upgrade-fixture.sh <commit> <version>}
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d /tmp/lazaret-upgrade-XXXXXX)
trap 'git -C "$repo" worktree remove --force "$scratch/src" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT

git -C "$repo" worktree add --detach "$scratch/src" "$commit" >/dev/null
(cd "$scratch/src" && npm ci --no-audit --no-fund >/dev/null && npx tsc -p tsconfig.build.json)

node "$repo/scripts/upgrade-fixture/generate.mjs" "$scratch/src" "$scratch/data" "$scratch/manifest.json"

out="$repo/test/fixtures/upgrade/$version"
rm -rf "$out/data-dir"
mkdir -p "$out"
cp -a "$scratch/data" "$out/data-dir"
cp "$scratch/manifest.json" "$out/manifest.json"
echo "$commit" >"$out/COMMIT"
du -sh "$out"
