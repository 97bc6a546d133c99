#!/usr/bin/env bash
# 20 hosts, all local, forks 20: each starts a run on its own thread and waits for it, while the local server
# answers 429 to each host's idempotency lookup, its create and (for the half that polls) a poll. ansible-test
# runs this script from a copy of the targets directory, next to the setup_* targets it needs (aliases:
# needs/target/...), so they are roles in "..".
set -eux
export ANSIBLE_ROLES_PATH=..
export ANSIBLE_FORKS=20
ansible-playbook -i inventory.yml concurrency.yml "$@"
