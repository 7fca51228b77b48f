#!/usr/bin/env bash
# action.yml's lint step. Inputs come as environment variables, never spliced into the script:
#   PATHS       files or directories, separated by blanks (default .)
#   ARGS        more mesh-lint flags, separated by blanks
#   SARIF_FILE  also write SARIF there when set
# Prints GitHub annotations (-o github, which also writes $GITHUB_STEP_SUMMARY) and sets the
# step outputs exit-code and sarif-file. Exits 0 unless mesh-lint itself could not run (exit 2),
# so that SARIF can be uploaded before the action's last step fails the job on findings.
set -euo pipefail
# `${args[@]+...}` below: macOS's bash 3.2 calls an empty array unbound under `set -u`.
read -r -a paths <<<"${PATHS:-.}"
[ "${#paths[@]}" -gt 0 ] || paths=(.)
read -r -a args <<<"${ARGS:-}"
output=${GITHUB_OUTPUT:-/dev/null}

set +e
mesh-lint --format github ${args[@]+"${args[@]}"} "${paths[@]}"
code=$?
set -e
echo "exit-code=$code" >>"$output"
if [ "$code" -ge 2 ]; then
  echo "::error::mesh-lint could not lint (exit $code): see the messages above"
  exit "$code"
fi

if [ -n "${SARIF_FILE:-}" ]; then
  mkdir -p "$(dirname "$SARIF_FILE")"
  set +e
  mesh-lint --format sarif ${args[@]+"${args[@]}"} "${paths[@]}" >"$SARIF_FILE"
  sarif_code=$?
  set -e
  if [ "$sarif_code" -ge 2 ]; then
    echo "::error::mesh-lint could not write SARIF (exit $sarif_code)"
    exit "$sarif_code"
  fi
  # Absolute, for the upload step, which does not run in working-directory.
  echo "sarif-file=$(cd "$(dirname "$SARIF_FILE")" && pwd)/$(basename "$SARIF_FILE")" >>"$output"
fi
