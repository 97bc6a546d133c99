#!/usr/bin/env bash
# The benchmark command (`make bench`; README.md, "## Benchmarks"; results in docs/performance.md).
#
#   1. a virtual environment in .venv/bench (made once) with ansible-core 2.19, requests and openai
#   2. the collection built with `ansible-galaxy collection build` and installed into a temporary
#      collections path, the only one Ansible may use
#   3. tools/bench/bench.py: starts the local server on 127.0.0.1 (--port 0), runs the five cases (the fifth,
#      the bridge, is tools/bench/bridge_bench.py), prints one table and writes the same figures to
#      benchmarks/results/bench-<time>.json (gitignored)
#   4. the temporary directory removed (the servers are stopped by bench.py), whatever happened
#
# Takes about 15 minutes on 2 cores (17.7 from a fresh clone while other jobs loaded the machine). Knobs (environment): BENCH_VENV (default .venv/bench), BENCH_PYTHON
# (the Python to make it with; default python3, 3.11 or later), BENCH_QUICK=1 (a short smoke run),
# BENCH_KEEP=1 (keep the temporary directory with the playbook and server logs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/.venv/bench}"
PYTHON="${BENCH_PYTHON:-python3}"
CORE_SPEC='ansible-core>=2.19,<2.20'

say() { printf '\n=== %s\n' "$*" >&2; }
die() { printf '\nbench: %s\n' "$*" >&2; exit 1; }

WORK=""
cleanup() {
    local status=$?
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            echo "kept $WORK" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmops-assistants-bench.XXXXXX")"

say "virtual environment ${VENV#"$ROOT"/}"
if ! "$VENV/bin/python" -c 'import ansible, openai, requests, sys; sys.exit(0 if ansible.__version__.startswith("2.19.") else 1)' 2> /dev/null; then
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || die "$PYTHON is not Python 3.11 or later, which ansible-core 2.19 needs (set BENCH_PYTHON)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    echo "installing $CORE_SPEC, requests and openai" >&2
    "$VENV/bin/python" -m pip install --disable-pip-version-check "$CORE_SPEC" requests openai > "$WORK/pip.log" 2>&1 \
        || { cat "$WORK/pip.log" >&2; die "pip could not install $CORE_SPEC, requests and openai"; }
fi
"$VENV/bin/python" -c 'import ansible.release, openai, requests, platform
print(f"python {platform.python_version()}, ansible-core {ansible.release.__version__}, openai {openai.__version__}, requests {requests.__version__}")' >&2

say "building and installing the collection"
"$VENV/bin/ansible-galaxy" collection build "$ROOT" --output-path "$WORK/build" > "$WORK/build.log" \
    || { cat "$WORK/build.log" >&2; die "ansible-galaxy collection build failed"; }
TARBALL="$(ls "$WORK"/build/llmops-assistants-*.tar.gz)"
"$VENV/bin/ansible-galaxy" collection install "$TARBALL" -p "$WORK/collections" > "$WORK/install.log" 2>&1 \
    || { cat "$WORK/install.log" >&2; die "ansible-galaxy collection install failed"; }
echo "installed $(basename "$TARBALL") into $WORK/collections" >&2

say "running the benchmark (progress on stderr, the table on stdout)"
mkdir -p "$WORK/run"
PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" "$ROOT/tools/bench/bench.py" \
    --collections "$WORK/collections" --work "$WORK/run" --out "$ROOT/benchmarks/results"
