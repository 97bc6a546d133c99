#!/usr/bin/env bash
# Rebuild the module and role reference in docs/reference from the plugins' own documentation
# (`make docs`). It runs `antsibull-docs collection --use-current` in the simplified-rst format, which
# needs no Sphinx extension: the pages read on their own (GitHub, docutils, any Sphinx).
#
#   bash tools/docs/build.sh [DEST]    DEST defaults to docs/reference, whose content is replaced
#
# Offline: antsibull-docs reads the collection through ansible-doc. By default Ansible finds the
# collection as this checkout (a temporary ansible_collections/llmops/assistants link to it); set
# DOCS_COLLECTIONS_PATH to use another tree instead (the ecosystem stage passes its copy).
# The tools come from .venv/ecosystem (tools/ci/ecosystem_venv.sh), pinned, so the pages are the same
# on every machine; the ecosystem stage fails when the committed pages differ from a fresh build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${1:-$ROOT/docs/reference}"
VENV="$(bash "$ROOT/tools/ci/ecosystem_venv.sh" | tail -1)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmops-assistants-docs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [ -n "${DOCS_COLLECTIONS_PATH:-}" ]; then
    collections="$DOCS_COLLECTIONS_PATH"
else
    mkdir -p "$WORK/collections/ansible_collections/llmops"
    ln -s "$ROOT" "$WORK/collections/ansible_collections/llmops/assistants"
    collections="$WORK/collections"
fi

# antsibull-docs wants a destination only its owner can write to.
mkdir -m 700 "$WORK/out"
(
    cd "$WORK"
    PATH="$VENV/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    ANSIBLE_LOCAL_TEMP="$WORK/tmp" ANSIBLE_NOCOLOR=1 \
        "$VENV/bin/antsibull-docs" collection --use-current --squash-hierarchy --fail-on-error \
        --output-format simplified-rst --no-add-antsibull-docs-version --dest-dir "$WORK/out" llmops.assistants
)
# antsibull-docs copies the user guide (docs/docsite/rst) to docsite/; link the index to the guide where it is.
sed -i 's|<docsite/\([A-Za-z0-9_-]*\.rst\)>|<../docsite/rst/\1>|' "$WORK/out/index.rst"
mkdir -p "$DEST"
find "$DEST" -mindepth 1 -maxdepth 1 -name '*.rst' -delete
cp "$WORK"/out/*.rst "$DEST"/
echo "docs: wrote $(find "$DEST" -maxdepth 1 -name '*.rst' | wc -l) pages to ${DEST#"$ROOT"/}"
