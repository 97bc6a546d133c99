#!/usr/bin/env bash
# Run secrets.yml at -vvv with a fresh random API key, given by option, by OPENAI_API_KEY and through
# module_defaults, then search everything ansible-playbook printed (module arguments included), the local
# server's output and its request log for the key: it must appear nowhere.
set -eu
export ANSIBLE_ROLES_PATH=..
# ansible-core 2.21 no longer puts the module arguments (invocation) in results unless asked: ask, so that -vvv
# prints them on every core, as 2.19 does. The search is only worth something if they are there.
export ANSIBLE_INJECT_INVOCATION=true
secret="sk-reliability-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
random_part=${secret#sk-reliability-}
export RELIABILITY_SECRET="$secret"  # read by secrets.yml for the option and module_defaults cases
export OPENAI_API_KEY="$secret"      # the environment case (the local connection passes it to the module)
out_dir=${OUTPUT_DIR:-$(mktemp -d)}
out="$out_dir/secrets-vvv.log"

status=0
ansible-playbook -vvv -i inventory.yml secrets.yml -e "secrets_output_dir=$out_dir" "$@" > "$out" 2>&1 || status=$?

# What else might hold it: the server's output and the request log the play saved.
scanned=("$out" "$out_dir"/server-output.log "$out_dir"/request-log.json)
leaks=$(cat "${scanned[@]}" 2>/dev/null | grep -c -e "$secret" -e "$random_part" || true)
show() { sed -e "s/$secret/<THE KEY>/g" -e "s/$random_part/<THE KEY'S RANDOM PART>/g"; }
if [ "$status" -ne 0 ]; then
    show < "$out"
    echo "secrets.yml failed (exit $status)" >&2
    exit "$status"
fi
lines=$(cat "${scanned[@]}" | wc -l)
invocations=$(grep -c '"invocation"' "$out" || true)
masked=$(grep -c 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' "$out" || true)
echo "scanned $lines lines ($invocations module invocations logged, $masked with the key masked): $leaks leak(s)"
if [ "$leaks" -ne 0 ]; then
    cat "${scanned[@]}" | grep -n -e "$secret" -e "$random_part" | show >&2
    echo "the API key appeared $leaks time(s) in the output above" >&2
    exit 1
fi
# The search is only worth something if -vvv really logged the modules' arguments (on 2.21 too: see
# ANSIBLE_INJECT_INVOCATION above).
[ "$invocations" -ge 10 ] && [ "$masked" -ge 1 ] || { echo "expected -vvv to log module arguments" >&2; exit 1; }

# Figures for docs/reliability.md, next to the other reliability_* targets'.
for root in ${ANSIBLE_COLLECTIONS_PATH//:/ }; do
    coll="$root/ansible_collections/llmops/assistants"
    if [ -d "$coll/tools/assistants_server" ]; then
        mkdir -p "$coll/tests/output/reliability"
        tasks=$(grep -c 'Using module file .*/llmops/assistants/plugins/modules/' "$out" || true)
        printf '{\n  "target": "reliability_secrets",\n  "lines_scanned": %s,\n  "module_invocations_logged": %s,\n  "key_masked_in_logged_args": %s,\n  "key_tasks": %s,\n  "leaks_found": %s\n}\n' \
            "$lines" "$invocations" "$masked" "$tasks" "$leaks" > "$coll/tests/output/reliability/reliability_secrets.json"
        break
    fi
done
