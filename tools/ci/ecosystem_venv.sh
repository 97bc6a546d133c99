#!/usr/bin/env bash
# Make (or reuse) .venv/ecosystem, the virtual environment of the ecosystem checks and of `make docs`:
# antsibull-docs, ansible-lint, galaxy-importer, antsibull-changelog, ansible-builder and ansible-core,
# every package pinned in tools/ci/ecosystem-requirements.txt. Prints the venv's path as its last line.
# The venv is rebuilt when that file changes (its hash is kept in the venv) or its Python is gone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${ECOSYSTEM_VENV:-$ROOT/.venv/ecosystem}"
REQUIREMENTS="$ROOT/tools/ci/ecosystem-requirements.txt"
STAMP="$VENV/.requirements.sha256"
export PIP_DISABLE_PIP_VERSION_CHECK=1

want=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
        && "$VENV/bin/python" -c 'import sys' 2> /dev/null; then
    echo "$VENV"
    exit 0
fi

python=""
root=$(pyenv root 2> /dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for version in 3.12 3.13 3.11; do
    # pyenv's shims for versions not selected exit 127, so each candidate is tried.
    for candidate in "$root"/versions/"$version".*/bin/python"$version" "$(command -v "python$version" 2> /dev/null)" \
                     "/usr/local/bin/python$version" "/usr/bin/python$version"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        if "$candidate" -c 'import venv' > /dev/null 2>&1; then python=$candidate; break 2; fi
    done
done
[ -n "$python" ] || { echo "ecosystem_venv: no Python 3.12, 3.13 or 3.11 found" >&2; exit 1; }

echo "ecosystem_venv: making $VENV with $python" >&2
rm -rf "$VENV"
"$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
"$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS" >&2
echo "$want" > "$STAMP"
echo "$VENV"
