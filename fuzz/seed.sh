#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from testdata/ and ../shared/corpus/ (YAML files under 64 KiB;
# libFuzzer's -max_len cuts longer ones anyway). The corpora are not committed.
set -euo pipefail
cd "$(dirname "$0")"
for target in lint fix yaml; do
    mkdir -p "corpus/$target"
    find ../testdata ../../shared/corpus -type f \( -name '*.yaml' -o -name '*.yml' \) -size -64k \
        2>/dev/null | while read -r f; do
        cp "$f" "corpus/$target/$(sha1sum "$f" | cut -c1-16)"
    done
done
echo "seeded: $(ls corpus/lint | wc -l) files per target"
