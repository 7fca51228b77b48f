#!/usr/bin/env bash
# actionlint on the workflows (with shellcheck on their `run:` scripts and the local action's
# inputs checked against action.yml) and on the README's example workflow. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
actionlint -no-color
sed -n '/<!-- workflow-example:start -->/,/<!-- workflow-example:end -->/p' README.md \
  | sed '/^<!--/d; /^```/d' >"${TMPDIR:-/tmp}/mesh-lint-readme-workflow.yml"
grep -q 'uses: mesh-lint/mesh-lint@' "${TMPDIR:-/tmp}/mesh-lint-readme-workflow.yml"
actionlint -no-color "${TMPDIR:-/tmp}/mesh-lint-readme-workflow.yml"
rm -f "${TMPDIR:-/tmp}/mesh-lint-readme-workflow.yml"
echo "actionlint: 2 passed, 0 failed"
