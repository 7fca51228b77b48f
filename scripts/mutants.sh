#!/usr/bin/env bash
# Mutation score of the rules, models, fixes and the lint pipeline on a sample of the mutants.
#
# usage: scripts/mutants.sh [K/N] [OUT_DIR]     (default 0/40: every 40th mutant, ~100 of them)
#
# All ~4,000 mutants take about a day on 2 cores, so a round-robin shard (mutant i runs when
# i mod N = K) is the measurement: each shard is an unbiased sample over all four directories.
# Needs `cargo install cargo-mutants`. Mutates the working tree in place (restored after each
# mutant): run it on a clean checkout or worktree, not one you are editing. The tools the CI
# tests install are not needed; those tests skip outside CI.
set -euo pipefail
shard=${1:-0/40}
out=${2:-target/mutants-${shard/\//-of-}}
cd "$(dirname "$0")/.."
# No debug info: each mutant relinks ~30 test binaries.
export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
status=0
cargo mutants --in-place \
    -f 'src/rules/**' -f 'src/model/**' -f 'src/fix/**' -f 'src/lint/**' \
    --sharding round-robin --shard "$shard" --test-workspace true -o "$out" || status=$?
# 0: every mutant caught; 2: some missed; 3: some timed out. Anything else (4: the unmutated
# tree fails its tests) leaves no score.
case $status in 0 | 2 | 3) ;; *) exit "$status" ;; esac
dir="$out/mutants.out"
for outcome in caught missed timeout unviable; do
    printf '%-9s %s\n' "$outcome" "$(wc -l < "$dir/$outcome.txt")"
done
