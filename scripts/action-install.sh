#!/usr/bin/env bash
# action.yml's install step: puts mesh-lint on PATH for the rest of the job.
#   VERSION=latest   the newest GitHub release of mesh-lint/mesh-lint
#   VERSION=vX.Y.Z   that release
#   VERSION=source   build the action's own checkout with cargo (any commit, slower)
# Release archives are checked against their published .sha256 before use.
set -euo pipefail
: "${VERSION:=latest}" "${RUNNER_TEMP:=$(mktemp -d)}"
action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
repo=mesh-lint/mesh-lint
dest="$RUNNER_TEMP/mesh-lint-bin"
mkdir -p "$dest"

if [ "$VERSION" = source ]; then
  cargo install --locked --root "$RUNNER_TEMP/mesh-lint-cargo" --path "$action_path"
  dest="$RUNNER_TEMP/mesh-lint-cargo/bin"
else
  case "${RUNNER_OS:-Linux}/${RUNNER_ARCH:-X64}" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
    *) echo "::error::mesh-lint has no release for ${RUNNER_OS:-}/${RUNNER_ARCH:-}; use version: source"; exit 2 ;;
  esac
  tag=$VERSION
  if [ "$tag" = latest ]; then
    tag=$(gh release view --repo "$repo" --json tagName --jq .tagName)
  fi
  ext=tar.gz
  [[ $target == *windows* ]] && ext=zip
  archive="mesh-lint-$tag-$target.$ext"
  gh release download "$tag" --repo "$repo" --dir "$RUNNER_TEMP" --clobber \
    --pattern "$archive" --pattern "$archive.sha256"
  want=$(tr -d ' \n' <"$RUNNER_TEMP/$archive.sha256")
  if command -v sha256sum >/dev/null; then got=$(sha256sum "$RUNNER_TEMP/$archive" | cut -d' ' -f1)
  else got=$(shasum -a 256 "$RUNNER_TEMP/$archive" | cut -d' ' -f1); fi
  if [ "$want" != "$got" ]; then
    echo "::error::$archive: sha256 $got, the release says $want"
    exit 2
  fi
  if [ "$ext" = zip ]; then unzip -oq "$RUNNER_TEMP/$archive" -d "$dest"
  else tar -xzf "$RUNNER_TEMP/$archive" -C "$dest"; fi
fi
echo "$dest" >>"${GITHUB_PATH:-/dev/null}"
"$dest/mesh-lint" --version
