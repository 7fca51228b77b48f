#!/usr/bin/env bash
# Release packaging. A release is one tag: `scripts/release.sh bump X.Y.Z` sets the version,
# regenerates what carries it, commits and tags vX.Y.Z; pushing the tag runs
# .github/workflows/release.yml, which calls `package` on each platform and `manifest` once.
#
#   scripts/release.sh bump X.Y.Z           version, generated files, plugin.yaml; commit + tag
#   scripts/release.sh package TARGET       build TARGET (a Rust target triple) and write
#                                           dist/mesh-lint-vVERSION-TARGET.{tar.gz|zip} + .sha256
#   scripts/release.sh manifest [DIST]      fill plugin.yaml's sha256s from DIST/*.sha256
#                                           (all five krew platforms must be there)
#   scripts/release.sh check-tag TAG        fail unless TAG is v + the package version
#
# package takes the binaries from $MESH_LINT_BIN_DIR instead of building when it is set, and
# writes to $MESH_LINT_DIST (default dist/); manifest writes $MESH_LINT_MANIFEST (default
# plugin.yaml). tests/distribution.rs packages debug builds that way.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

repo_url=https://github.com/mesh-lint/mesh-lint
bins=(mesh-lint kubectl-mesh_lint kubectl_complete-mesh_lint)
# krew platform (os/arch) -> Rust target triple. musl on Linux: static binaries run on any distro.
platforms=(
  "linux amd64 x86_64-unknown-linux-musl"
  "linux arm64 aarch64-unknown-linux-musl"
  "darwin amd64 x86_64-apple-darwin"
  "darwin arm64 aarch64-apple-darwin"
  "windows amd64 x86_64-pc-windows-msvc"
)
dist_dir=${MESH_LINT_DIST:-$root/dist}
manifest=${MESH_LINT_MANIFEST:-$root/plugin.yaml}
zero_sha=0000000000000000000000000000000000000000000000000000000000000000

die() { echo "release.sh: $*" >&2; exit 2; }

version() {
  # The [package] version: the first `version = "..."` line of Cargo.toml.
  sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1
}

archive_name() { # TARGET -> file name
  local ext=tar.gz
  [[ $1 == *windows* ]] && ext=zip
  echo "mesh-lint-v$(version)-$1.$ext"
}

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

package() {
  local target=${1:?usage: release.sh package TARGET}
  local exe=""
  [[ $target == *windows* ]] && exe=.exe
  local bin_dir=${MESH_LINT_BIN_DIR:-}
  if [ -z "$bin_dir" ]; then
    cargo build --release --locked --target "$target" --bins
    bin_dir=target/$target/release
  fi
  local name; name=$(archive_name "$target")
  local stage; stage=$(mktemp -d)
  chmod 755 "$stage"
  for b in "${bins[@]}"; do
    [ -x "$bin_dir/$b$exe" ] || die "missing binary $bin_dir/$b$exe"
    cp "$bin_dir/$b$exe" "$stage/"
  done
  cp LICENSE README.md "$stage/"
  cp -R completions man "$stage/"
  mkdir -p "$dist_dir"
  local out="$dist_dir/$name"
  rm -f "$out"
  # Flat archives: krew installs them as they are (no `files:` needed) and finds `bin:` at the
  # top; fixed owner, order and times so the same binaries give the same archive.
  if [[ $name == *.zip ]]; then
    if command -v zip >/dev/null; then
      (cd "$stage" && find . -exec touch -t 198001010000 {} + && zip -qrX "$out" .)
    else
      (cd "$stage" && 7z a -tzip "$out" . >/dev/null)
    fi
  else
    # Members named `mesh-lint`, not `./mesh-lint`, so `tar -x ... mesh-lint` finds them.
    local members; members=$(cd "$stage" && ls -A)
    local gnu=()
    if tar --version 2>/dev/null | grep -q GNU; then
      gnu=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0)
    fi
    # shellcheck disable=SC2086 # the member names have no blanks
    tar -C "$stage" ${gnu[@]+"${gnu[@]}"} -cf - $members | gzip -n >"$out"
  fi
  rm -rf "$stage"
  sha256_of "$out" >"$out.sha256"
  echo "$out $(cat "$out.sha256")"
}

# Writes plugin.yaml for the package version; sha256s from DIST, or zeros when DIST is empty
# (a version not yet released: krew refuses such a manifest's archives, never installs them).
write_manifest() {
  local dist=${1:-}
  local v; v=$(version)
  {
    cat <<EOF
# krew plugin manifest (https://krew.sigs.k8s.io/docs/developer-guide/plugin-manifest/).
# Written by scripts/release.sh: the release workflow fills in each archive's sha256 and
# attaches this file to the GitHub release; it is what krew-index receives.
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: mesh-lint
spec:
  version: v$v
  homepage: $repo_url
  shortDescription: Lint Istio and Kubernetes manifests offline
  description: |
    mesh-lint finds what breaks Istio mesh traffic in Kubernetes manifests before
    they reach a cluster: Service ports whose protocol Istio must sniff, ports that
    give every sidecar a catch-all listener, listener conflicts, short or unknown
    hosts, missing subsets. It reads files, directories or Helm output on stdin,
    needs no cluster, and explains each finding with its line and column, the other
    resources involved, why it matters to Istio and how to fix it (applied with --fix
    where safe). Try \`kubectl mesh-lint ./manifests\` and \`kubectl mesh-lint explain MESH101\`.
  caveats: |
    For \`kubectl mesh-lint <TAB>\` completion (kubectl 1.26+), put the completion helper on
    your PATH beside the plugin; krew links only the plugin itself:

      printf '#!/bin/sh\nexec kubectl-mesh_lint __complete "\$@"\n' > "\${KREW_ROOT:-\$HOME/.krew}/bin/kubectl_complete-mesh_lint"
      chmod +x "\${KREW_ROOT:-\$HOME/.krew}/bin/kubectl_complete-mesh_lint"
  platforms:
EOF
    local p os arch target name sha exe
    for p in "${platforms[@]}"; do
      read -r os arch target <<<"$p"
      name=$(archive_name "$target")
      sha=$zero_sha
      if [ -n "$dist" ]; then
        [ -f "$dist/$name.sha256" ] || die "missing $dist/$name.sha256"
        sha=$(tr -d ' \n' <"$dist/$name.sha256")
      fi
      exe=""
      [ "$os" = windows ] && exe=.exe
      cat <<EOF
    - selector:
        matchLabels:
          os: $os
          arch: $arch
      uri: $repo_url/releases/download/v$v/$name
      sha256: $sha
      bin: kubectl-mesh_lint$exe
EOF
    done
  } >"$manifest.tmp"
  mv "$manifest.tmp" "$manifest"
}

bump() {
  local new=${1:?usage: release.sh bump X.Y.Z}
  [[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "not a semver version: $new"
  [ -z "$(git status --porcelain)" ] || die "the work tree has uncommitted changes"
  local old; old=$(version)
  # Only the [package] version (the first one), not dependencies' or the workspace's.
  awk -v new="$new" '!done && /^version = "/ { print "version = \"" new "\""; done = 1; next } { print }' \
    Cargo.toml >Cargo.toml.tmp && mv Cargo.toml.tmp Cargo.toml
  cargo update --workspace --offline >/dev/null 2>&1 || cargo update --workspace >/dev/null
  UPDATE_GENERATED=1 cargo test --locked --test generated >/dev/null
  write_manifest ""
  # The README's examples name the release: pre-commit `rev:`, `uses: ...@`, archive names.
  sed -i.bak "s/v${old//./\\.}/v$new/g" README.md && rm README.md.bak
  cargo test --workspace --locked
  git add -A
  git commit -m "Release v$new"
  git tag -a "v$new" -m "mesh-lint v$new"
  echo "Tagged v$new. Push it to release: git push origin HEAD v$new"
}

case "${1:-}" in
  bump) bump "${2:-}" ;;
  package) package "${2:-}" ;;
  manifest) write_manifest "${2:-$dist_dir}" ;;
  manifest-unreleased) write_manifest "" ;;
  check-tag) [ "${2:-}" = "v$(version)" ] || die "tag ${2:-} does not match package version v$(version)" ;;
  version) version ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
