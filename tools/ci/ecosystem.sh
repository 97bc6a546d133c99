#!/usr/bin/env bash
# The ecosystem stage of the test command: the checks Ansible's own tooling makes of a collection
# before it is released. Run by tools/ci/run_tests.sh (stage `ecosystem`, once, not per leg) on the
# copy it assembles; `make ecosystem` runs only this stage.
#
#   bash tools/ci/ecosystem.sh COLLECTION_DIR     (a .../ansible_collections/llmops/assistants tree)
#
# Checks, each reported as PASS or FAIL with its time (details in OUT, below):
#   ansible-doc       every module listed and rendered with its options, EXAMPLES and RETURN, the role
#                     rendered, and docs/reference naming every option and return value
#                     (tools/docs/check_reference.py); version_added within the module's and the collection's
#   docs-stale        docs/reference equals a fresh `tools/docs/build.sh` (antsibull-docs) build
#   docs-lint         antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs
#   ansible-lint      production profile, offline, on playbooks/ and roles/, and on the modules' EXAMPLES
#                     written out as playbooks (tools/ci/examples_to_playbooks.py)
#   galaxy-importer   on the tarball `ansible-galaxy collection build` makes, without containers
#                     (tools/ci/galaxy-importer.cfg); any WARNING or ERROR it logs fails the check
#   changelog         antsibull-changelog lint, and a CHANGELOG.rst released as the next version from the
#                     fragments in a throw-away copy (the repository keeps its fragments until a release)
#   ee                ansible-builder introspect finds meta/execution-environment.yml's Python and system
#                     requirements, and ansible-builder create writes a build context for an EE with the
#                     built collection (no container runtime is needed for either)
# Everything runs offline apart from making .venv/ecosystem (tools/ci/ecosystem_venv.sh, pinned).
# Output: .build/ecosystem/ (logs, the tarball, the CHANGELOG.rst preview, the EE build context).
# Ends with `ecosystem: N passed, M failed`; exit status 1 if any check failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COLL="$(cd "${1:?usage: ecosystem.sh COLLECTION_DIR}" && pwd)"
COLLECTIONS="$(cd "$COLL/../../.." && pwd)"
case $COLL in */ansible_collections/llmops/assistants) ;; *)
    echo "ecosystem: $COLL is not at .../ansible_collections/llmops/assistants" >&2; exit 2 ;;
esac
OUT="$ROOT/.build/ecosystem"
rm -rf "$OUT"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmops-assistants-ecosystem.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

start=$(date +%s)
if ! VENV="$(bash "$ROOT/tools/ci/ecosystem_venv.sh" 2> "$OUT/venv.log" | tail -1)" || [ ! -x "$VENV/bin/ansible-lint" ]; then
    cat "$OUT/venv.log" >&2
    echo "FAIL venv ($(($(date +%s) - start))s): could not make .venv/ecosystem; see $OUT/venv.log"
    echo "ecosystem: 0 passed, 1 failed"
    exit 1
fi
echo "venv: $VENV ($(($(date +%s) - start))s)"

# Only the copy is on the collections path; nothing may reach Galaxy or any other network service.
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp"
export ANSIBLE_NOCOLOR=1 NO_COLOR=1 PY_COLORS=0
export XDG_CACHE_HOME="$WORK/cache"
export PIP_DISABLE_PIP_VERSION_CHECK=1

PASSED=0
FAILED=0
FAILED_NAMES=()
# check NAME CMD...: run CMD with its output in $OUT/NAME.log; print PASS/FAIL with the time; on a
# failure, print the log's last lines.
check() {
    local name=$1 begin rc
    shift
    begin=$(date +%s)
    ( "$@" ) > "$OUT/$name.log" 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then
        PASSED=$((PASSED + 1))
        printf 'PASS %-16s %4ss\n' "$name" "$(($(date +%s) - begin))"
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        printf 'FAIL %-16s %4ss  (exit %s; log: %s)\n' "$name" "$(($(date +%s) - begin))" "$rc" "${OUT#"$ROOT"/}/$name.log"
        tail -n 40 "$OUT/$name.log" | sed 's/^/    /'
    fi
}

check_ansible_doc() {
    cd "$WORK" && python "$ROOT/tools/docs/check_reference.py" "$COLL" "$COLL/docs/reference"
}

check_docs_stale() {
    DOCS_COLLECTIONS_PATH="$COLLECTIONS" bash "$ROOT/tools/docs/build.sh" "$WORK/reference" || return 1
    if ! diff -ru "$COLL/docs/reference" "$WORK/reference"; then
        echo "docs/reference is stale: run \`make docs\` and commit docs/reference (the diff above is committed -> fresh)"
        return 1
    fi
}

check_docs_lint() {
    cd "$WORK" && antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
        --validate-collection-refs all --disallow-unknown-collection-refs "$COLL" || return 1
}

check_ansible_lint() {
    # The collection's playbooks and roles, in place (the copy's .ansible-lint applies) ...
    (cd "$COLL" && ansible-lint --offline --profile production --nocolor playbooks roles) || return 1
    # ... and the EXAMPLES, as playbooks in a directory of their own.
    mkdir -p "$WORK/lint" && cd "$WORK/lint" && python "$ROOT/tools/ci/examples_to_playbooks.py" "$COLL" examples \
        && ansible-lint --offline --profile production --nocolor examples
}

build_tarball() {
    ansible-galaxy collection build "$COLL" --output-path "$OUT" --force
}

check_galaxy_importer() {
    local tarball
    tarball=$(find "$OUT" -maxdepth 1 -name 'llmops-assistants-*.tar.gz' -print -quit)
    [ -n "$tarball" ] || { echo "no tarball: the build failed (see build.log)"; return 1; }
    cd "$WORK" && GALAXY_IMPORTER_CONFIG="$ROOT/tools/ci/galaxy-importer.cfg" \
        python -m galaxy_importer.main "$tarball" > "$OUT/galaxy-importer.out" 2>&1
    local rc=$?
    cat "$OUT/galaxy-importer.out"
    [ "$rc" = 0 ] || return 1
    grep -q 'Importer processing completed successfully' "$OUT/galaxy-importer.out" || return 1
    if grep -nE '(^|[^A-Za-z])(WARNING|ERROR)' "$OUT/galaxy-importer.out"; then
        echo "galaxy-importer logged the warnings or errors above"
        return 1
    fi
}

check_changelog() {
    (cd "$COLL" && antsibull-changelog lint) || return 1
    # Release the fragments as the galaxy.yml version in a throw-away copy: this is the CHANGELOG.rst the
    # next release will get, and antsibull-changelog must be able to write it.
    # (the copied files only: by now ansible-test may have filled tests/output)
    if [ -d "$COLL/.git" ]; then
        mkdir -p "$WORK/release" && (cd "$COLL" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$WORK/release"
    else
        cp -a "$COLL" "$WORK/release"
    fi && cd "$WORK/release" || return 1
    antsibull-changelog release --date "$(date +%Y-%m-%d)" || return 1
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || return 1
    [ -s CHANGELOG.rst ] || { echo "no CHANGELOG.rst was written"; return 1; }
    rstcheck --report-level warning CHANGELOG.rst || return 1
    cp CHANGELOG.rst "$OUT/CHANGELOG.rst"
    echo "CHANGELOG.rst of the next release: ${OUT#"$ROOT"/}/CHANGELOG.rst"
}

check_ee() {
    local tarball
    # What a build would install for the collection, read from its meta/execution-environment.yml.
    ansible-builder introspect --sanitize "$COLLECTIONS" > "$OUT/ee-introspect.txt" || return 1
    cat "$OUT/ee-introspect.txt"
    grep -q 'requests' "$OUT/ee-introspect.txt" || { echo "introspect found no Python requirement requests"; return 1; }
    grep -q 'llmops.assistants' "$OUT/ee-introspect.txt" || { echo "introspect did not read llmops.assistants"; return 1; }
    tarball=$(find "$OUT" -maxdepth 1 -name 'llmops-assistants-*.tar.gz' -print -quit)
    [ -n "$tarball" ] || { echo "no tarball: the build failed (see build.log)"; return 1; }
    mkdir -p "$WORK/ee" && cp "$tarball" "$WORK/ee/" && cd "$WORK/ee" || return 1
    cat > execution-environment.yml <<EOF
---
version: 3
images:
  base_image:
    name: quay.io/fedora/python-312:latest
dependencies:
  ansible_core:
    package_pip: ansible-core>=2.19,<2.22
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: /build/$(basename "$tarball")
        type: file
# The tarball goes into the context's _build/, which the galaxy stage copies to /build.
additional_build_files:
  - src: $(basename "$tarball")
    dest: .
EOF
    ansible-builder create --file execution-environment.yml --context "$OUT/ee-context" --output-filename Containerfile \
        || return 1
    [ -s "$OUT/ee-context/Containerfile" ] || { echo "no Containerfile was written"; return 1; }
    echo "EE build context: ${OUT#"$ROOT"/}/ee-context"
}

check ansible-doc check_ansible_doc
check docs-stale check_docs_stale
check docs-lint check_docs_lint
check ansible-lint check_ansible_lint
check build build_tarball
check galaxy-importer check_galaxy_importer
check changelog check_changelog
check ee check_ee

echo "ecosystem checks took $(($(date +%s) - start))s; logs in ${OUT#"$ROOT"/}"
[ "$FAILED" = 0 ] || echo "FAILED ecosystem check(s): ${FAILED_NAMES[*]}"
echo "ecosystem: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
