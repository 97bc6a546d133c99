#!/usr/bin/env bash
# Make a throwaway CA and a certificate for 127.0.0.1 (tools/tls_test_certs.py, never committed), start the
# local server behind TLS with them, and run tls.yml against it. The server's pid file lives where the test
# command (tools/ci/run_tests.sh) looks for leftover servers; this script also stops it on exit.
set -eu
export ANSIBLE_ROLES_PATH=..
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}

coll=""
for root in ${ANSIBLE_COLLECTIONS_PATH//:/ }; do
    if [ -f "$root/ansible_collections/llmops/assistants/tools/assistants_server/__main__.py" ]; then
        coll="$root/ansible_collections/llmops/assistants"
        break
    fi
done
[ -n "$coll" ] || { echo "tools/assistants_server not found under ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }

mkdir -p "$coll/tests/output/assistants_server"
state=$(mktemp -d "$coll/tests/output/assistants_server/reliability_tls-XXXXXX")
"$python" "$coll/tools/tls_test_certs.py" "$state/certs" > /dev/null
"$python" "$coll/tools/tls_test_certs.py" "$state/other-ca" > /dev/null  # a CA that did not sign the server's certificate

stop_server() {
    if [ -s "$state/server.pid" ]; then
        kill -TERM "$(cat "$state/server.pid")" 2> /dev/null || true
    fi
    rm -rf "$state/certs" "$state/other-ca"  # throwaway keys do not outlive the test
}
trap stop_server EXIT

"$python" "$coll/tools/assistants_server" --host 127.0.0.1 --port 0 --idle-timeout 300 --pid-file "$state/server.pid" \
    --tls-cert "$state/certs/server.pem" --tls-key "$state/certs/server-key.pem" > "$state/server.log" 2>&1 < /dev/null &
for _ in $(seq 150); do
    grep -q '^listening on https://' "$state/server.log" 2> /dev/null && break
    sleep 0.2
done
api_base=$(sed -n 's|^listening on \(https://127\.0\.0\.1:[0-9]*/v1\)$|\1|p' "$state/server.log")
[ -n "$api_base" ] || { cat "$state/server.log" >&2; echo "the TLS server did not start" >&2; exit 1; }

ansible-playbook -i inventory.yml tls.yml -e "api_base=$api_base" -e "ca_bundle=$state/certs/ca.pem" \
    -e "other_ca_bundle=$state/other-ca/ca.pem" -e "summary_dir=$coll/tests/output/reliability" "$@"
