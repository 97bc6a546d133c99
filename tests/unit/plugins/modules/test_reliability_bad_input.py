# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input to every module (issue #7): each value fails with a message naming the option, and nothing is sent.

The modules run as a playbook runs them (AnsibleModule reads the task's arguments, main() exits with JSON);
HTTP goes to a scripted adapter that fails the test on any request. The table of bad values is the one the
reliability_bad_input integration target runs against the local server (its vars/main.yml), so both check it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.llmops.assistants.plugins.modules import (
    openai_assistant,
    openai_message,
    openai_run,
    openai_run_info,
    openai_runs_info,
    openai_thread,
    openai_thread_run,
)

API_BASE = "https://assistants.example.test/v1"
API_KEY = "sk-reliability-unit-0123456789"
SECRET = "SECRETPART0123456789"
TABLE = Path(__file__).resolve().parents[4] / "tests/integration/targets/reliability_bad_input/vars/main.yml"
BAD_INPUTS = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["bad_inputs"]
MODULES = {module.__name__.rsplit(".", 1)[-1]: module for module in (
    openai_run, openai_thread_run, openai_run_info, openai_runs_info, openai_assistant, openai_thread)}


@pytest.fixture
def task_defaults():
    """No api_key by default: each test gives the key it is about."""
    return {"api_base": API_BASE}


# A key that cannot go into a header. requests' own error for it quotes the header with the key escaped
# ('Bearer sk-...\\n...'), which neither the client's scrub nor Ansible's no_log masking recognises.
UNSENDABLE_KEYS = {
    "newline-inside": f"sk-rel\n{SECRET}",
    "carriage-return-inside": f"sk-rel\r\n{SECRET}",
    "space-inside": f"sk-rel {SECRET}",
    "tab-inside": f"sk-rel\t{SECRET}",
    "non-latin-1": f"sk-rel\u20ac{SECRET}",
    "non-ascii": f"sk-rel\u00e9{SECRET}",
    "nul": f"sk-rel\x00{SECRET}",
}


@pytest.mark.parametrize("key", list(UNSENDABLE_KEYS.values()), ids=list(UNSENDABLE_KEYS))
def test_an_api_key_that_cannot_be_sent_fails_naming_api_key_without_showing_it(run_module, server, key):
    code, result, out = run_module(openai_runs_info, api_key=key, thread_id="thread_1")
    assert code == 1
    assert result["msg"].startswith("api_key must be printable ASCII without spaces or line breaks")
    assert "Traceback" not in out and "exception" not in result
    assert SECRET not in out
    assert server.sent == []


@pytest.mark.parametrize("key", ["", "   ", "\n"], ids=["empty", "spaces", "newline"])
def test_a_blank_api_key_is_missing(run_module, server, key):
    code, result, _out = run_module(openai_run, api_key=key, thread_id="thread_1", assistant_id="asst_1")
    assert code == 1
    assert result["msg"].startswith("api_key is required")
    assert server.sent == []


def test_an_api_key_with_surrounding_whitespace_is_accepted_and_sent_stripped(run_module, server):
    server.add((200, {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}))
    code, result, out = run_module(openai_runs_info, api_key=f"  sk-rel-{SECRET}\n", thread_id="thread_1")
    assert code == 0, result
    assert server.sent[0].headers["Authorization"] == f"Bearer sk-rel-{SECRET}"
    assert SECRET not in out


def test_the_table_covers_every_module_with_at_least_40_values():
    assert len(BAD_INPUTS) >= 40
    assert {case["module"] for case in BAD_INPUTS} == set(MODULES)
    # The oversized values are what they claim to be (the YAML splits the long ones over lines).
    sizes = {case["what"]: case["args"] for case in BAD_INPUTS if "(" in case["what"]}
    assert len(sizes["oversized metadata value (513 characters)"]["metadata"]["note"]) == 513
    assert len(sizes["too many tools (21)"]["tools"]) == 21
    assert len(sizes["too long (257 characters)"]["name"]) == 257


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[f"{c['module']}-{c['option']}-{c['what']}" for c in BAD_INPUTS])
def test_bad_value_fails_naming_the_option_and_sends_nothing(run_module, server, case):
    code, result, out = run_module(MODULES[case["module"]], **{"api_key": API_KEY, **case["args"]})
    assert code == 1, result
    assert case["option"] in result["msg"]
    assert re.search(case["expect"], result["msg"]), result["msg"]
    assert "Traceback" not in out
    assert API_KEY not in out
    assert server.sent == []


def test_a_missing_ca_path_fails_naming_it_and_sends_nothing(run_module, server, tmp_path):
    """#12 item 4: requests' OSError ("Could not find a suitable TLS CA certificate bundle") never shows."""
    missing = str(tmp_path / "nonexistent" / "ca.pem")
    code, result, out = run_module(openai_runs_info, api_key=API_KEY, thread_id="thread_1", ca_path=missing)
    assert code == 1
    assert result["msg"].startswith(f"ca_path {missing!r} does not exist")
    assert "Traceback" not in out and "OSError" not in out
    assert server.sent == []


@pytest.mark.parametrize("blank", ["", "  "], ids=["empty", "spaces"])
def test_an_empty_api_key_counts_as_unset_so_openai_api_key_applies(run_module, server, monkeypatch, blank):
    """#12 item 12: module_defaults with `api_key: "{{ lookup('env', 'UNSET') }}"` gives "", which must not hide
    OPENAI_API_KEY (Ansible applies an environment fallback only to an option that is not set at all)."""
    monkeypatch.setenv("OPENAI_API_KEY", f"sk-env-{SECRET}")
    server.add((200, {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}))
    code, result, out = run_module(openai_runs_info, api_key=blank, thread_id="thread_1")
    assert code == 0, result
    assert server.sent[0].headers["Authorization"] == f"Bearer sk-env-{SECRET}"
    assert SECRET not in out


def test_an_empty_azure_ad_token_and_organization_count_as_unset(run_module, server, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", f"token-env-{SECRET}")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    server.add((200, {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}))
    code, result, out = run_module(openai_runs_info, api_key=API_KEY, azure_ad_token="", organization="", thread_id="thread_1")
    assert code == 0, result
    assert server.sent[0].headers["Authorization"] == f"Bearer token-env-{SECRET}"
    assert server.sent[0].headers["OpenAI-Organization"] == "org-env"
    assert SECRET not in out


def test_a_key_taken_from_the_environment_for_an_empty_option_is_masked_in_results(run_module, server, monkeypatch):
    """The key comes in after Ansible collected its no_log values: it must be masked all the same."""
    monkeypatch.setenv("OPENAI_API_KEY", f"sk-env-{SECRET}")
    echoed = {"object": "list", "data": [{"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "status": "completed",
                                          "instructions": f"the key is sk-env-{SECRET}"}],
              "first_id": "run_1", "last_id": "run_1", "has_more": False}
    server.add((200, echoed))
    code, result, out = run_module(openai_runs_info, api_key="", thread_id="thread_1")
    assert code == 0, result
    assert SECRET not in out


# #12 item 5: the keys the collection keeps in metadata for itself, refused up front in every metadata it sends.
RESERVED = ("ansible_idempotency_key", "ansible_created_by")
RUN = {"thread_id": "thread_1", "assistant_id": "asst_1"}
METADATA_OPTIONS = {
    "openai_run metadata": (openai_run, lambda md: {**RUN, "metadata": md}, "metadata"),
    "openai_run additional_messages": (
        openai_run, lambda md: {**RUN, "additional_messages": [{"role": "user", "content": "hi", "metadata": md}]},
        "additional_messages[0].metadata"),
    "openai_thread_run metadata": (openai_thread_run, lambda md: {"assistant_id": "asst_1", "metadata": md}, "metadata"),
    "openai_thread_run thread.metadata": (
        openai_thread_run, lambda md: {"assistant_id": "asst_1", "thread": {"metadata": md}}, "thread.metadata"),
    "openai_thread_run thread.messages": (
        openai_thread_run, lambda md: {"assistant_id": "asst_1", "thread": {"messages": [{"role": "user", "content": "hi", "metadata": md}]}},
        "thread.messages[0].metadata"),
    "openai_thread metadata": (openai_thread, lambda md: {"metadata": md}, "metadata"),
    "openai_thread messages": (openai_thread, lambda md: {"messages": [{"role": "user", "content": "hi", "metadata": md}]}, "messages[0].metadata"),
    "openai_message metadata": (openai_message, lambda md: {"thread_id": "thread_1", "content": "hi", "metadata": md}, "metadata"),
    "openai_message metadata by message_id": (
        openai_message, lambda md: {"thread_id": "thread_1", "message_id": "msg_1", "metadata": md}, "metadata"),
    "openai_assistant metadata": (openai_assistant, lambda md: {"name": "a", "model": "gpt-4o", "metadata": md}, "metadata"),
}


@pytest.mark.parametrize("key", RESERVED)
@pytest.mark.parametrize("where", list(METADATA_OPTIONS))
def test_a_reserved_metadata_key_is_refused_naming_it_and_nothing_is_sent(run_module, server, where, key):
    module, args, option = METADATA_OPTIONS[where]
    code, result, out = run_module(module, api_key=API_KEY, **args({"team": "a", key: "mine"}))
    assert code == 1, result
    assert result["msg"].startswith(f"{option}.{key} is reserved"), result["msg"]
    assert "Traceback" not in out
    assert server.sent == []
