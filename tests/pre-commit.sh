#!/usr/bin/env bash
# The pre-commit hooks in .pre-commit-hooks.yaml work: the manifest validates, and the
# `mesh-lint-system` hook (the binary cargo test built, on PATH) fails a repository with
# findings and passes a clean one. Run by .ci/run after `cargo test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v pre-commit >/dev/null || python3 -m pip install --quiet --disable-pip-version-check pre-commit
export PATH="$root/target/debug:$PATH"

pre-commit validate-manifest "$root/.pre-commit-hooks.yaml"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/repo"
cd "$work/repo"
git init -q
git config user.email ci@example.invalid
git config user.name ci
passed=0
failed=0

cp "$root"/testdata/demo/*.yaml .
git add . && git commit -qm demo
if pre-commit try-repo "$root" mesh-lint-system --all-files >"$work/out.txt" 2>&1; then
  echo "FAIL: the hook passed a repository with findings"; failed=$((failed + 1))
elif grep -q "MESH101" "$work/out.txt"; then
  passed=$((passed + 1))
else
  echo "FAIL: the hook failed without reporting findings:"; cat "$work/out.txt"; failed=$((failed + 1))
fi

git rm -q ./*.yaml
cp "$root/testdata/MESH101-port-name-without-protocol/valid-named.yaml" .
git add . && git commit -qm clean
if pre-commit try-repo "$root" mesh-lint-system --all-files >"$work/out.txt" 2>&1; then
  passed=$((passed + 1))
else
  echo "FAIL: the hook failed a clean repository:"; cat "$work/out.txt"; failed=$((failed + 1))
fi

echo "pre-commit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
