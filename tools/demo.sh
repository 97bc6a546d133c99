#!/usr/bin/env bash
# The demo command (`make demo`): runs playbooks/demo.yml of the built and installed collection against
# the local Assistants server, and prints the assistant's answers.
#
#   1. a virtual environment in .venv/demo (made once) with ansible-core 2.19 and requests
#   2. `ansible-galaxy collection build` into a temporary directory, and the tarball installed into a
#      temporary collections path, which is the only one Ansible may use
#   3. tools/assistants_server started on a free port (read from its first line of output)
#   4. `ansible-playbook llmops.assistants.demo` with OPENAI_BASE_URL and OPENAI_API_KEY pointing at it
#   5. the answers printed; the server stopped and the temporary directory removed, whatever happened
#
# Arguments are passed on to ansible-playbook, e.g. `bash tools/demo.sh -e demo_question='Why?' -v`.
# Exit status 0 when the demo ran, non-zero otherwise. Knobs (environment): DEMO_VENV (default
# .venv/demo), DEMO_PYTHON (the Python to make it with; default: python3, which must be 3.11 or later).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DEMO_VENV:-$ROOT/.venv/demo}"
PYTHON="${DEMO_PYTHON:-python3}"
CORE_SPEC='ansible-core>=2.19,<2.20'

say() { printf '\n=== %s\n' "$*"; }
die() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }

WORK=""
SERVER_PID=""
cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
            printf '\nthe local server printed:\n' >&2
            sed 's/^/  /' "$WORK/server.log" >&2
        fi
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmops-assistants-demo.XXXXXX")"
COLLECTIONS="$WORK/collections"

say "virtual environment ${VENV#"$ROOT"/}"
if ! "$VENV/bin/python" -c 'import ansible, requests, sys; sys.exit(0 if ansible.__version__.startswith("2.19.") else 1)' 2> /dev/null; then
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); ansible-core 2.19 needs 3.11 or later (set DEMO_PYTHON)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    echo "installing $CORE_SPEC and requests"
    "$VENV/bin/python" -m pip install --disable-pip-version-check "$CORE_SPEC" requests > "$WORK/pip.log" 2>&1 \
        || { cat "$WORK/pip.log" >&2; die "pip could not install $CORE_SPEC and requests"; }
fi
# Not `| head -1`: under pipefail, head closing the pipe first makes ansible die of SIGPIPE (exit 250).
version=$("$VENV/bin/ansible" --version)
echo "${version%%$'\n'*}"
PY="$VENV/bin/python"

# Only the installed copy may be found: no ~/.ansible/collections, no system paths, no site-packages.
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_PYTHON_INTERPRETER="$PY"

say "building and installing the collection"
"$VENV/bin/ansible-galaxy" collection build "$ROOT" --output-path "$WORK/build" > "$WORK/build.log" \
    || { cat "$WORK/build.log" >&2; die "ansible-galaxy collection build failed"; }
TARBALL="$(ls "$WORK"/build/llmops-assistants-*.tar.gz)"
"$VENV/bin/ansible-galaxy" collection install "$TARBALL" -p "$COLLECTIONS" > "$WORK/install.log" \
    || { cat "$WORK/install.log" >&2; die "ansible-galaxy collection install failed"; }
echo "installed $(basename "$TARBALL") into $COLLECTIONS"
INSTALLED="$COLLECTIONS/ansible_collections/llmops/assistants"
USED="$("$VENV/bin/ansible-doc" -t module llmops.assistants.openai_assistant --json \
    | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["llmops.assistants.openai_assistant"]["doc"]["filename"])')"
case "$USED" in
    "$INSTALLED"/*) echo "Ansible uses the installed collection: $USED" ;;
    *) die "Ansible would use $USED, not the collection installed in $INSTALLED" ;;
esac

say "starting the local Assistants server"
"$PY" "$ROOT/tools/assistants_server" --host 127.0.0.1 --port 0 --idle-timeout 600 > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE_URL=""
for _ in $(seq 100); do
    if [ -s "$WORK/server.log" ]; then
        BASE_URL="$(head -1 "$WORK/server.log" | sed -n 's|^listening on \(http://[0-9.]*:[0-9]*/v1\)$|\1|p')"
        [ -n "$BASE_URL" ] && break
    fi
    kill -0 "$SERVER_PID" 2> /dev/null || die "the local server exited before it listened"
    sleep 0.1
done
[ -n "$BASE_URL" ] || die "the local server did not print its address within 10 seconds"
echo "listening on $BASE_URL (pid $SERVER_PID)"

say "ansible-playbook llmops.assistants.demo"
cd "$WORK"
OPENAI_BASE_URL="$BASE_URL" OPENAI_API_KEY="sk-llmops-assistants-demo" \
    "$VENV/bin/ansible-playbook" llmops.assistants.demo -e "demo_answer_file=$WORK/answer.txt" "$@" \
    || die "the demo playbook failed"

say "the assistant's answers"
cat "$WORK/answer.txt"
