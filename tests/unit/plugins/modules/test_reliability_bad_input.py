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


# #12 items 4 and 7: malformed values at every depth of every nested option of every module. Each task below is
# valid and fills every nested key the API takes; each case breaks one place of it (an unknown key in a dict, or a
# value of the wrong type at a key or list position) and must fail naming the option and the place, sending nothing.
PART_TEXT = {"type": "text", "text": "hi"}
PART_FILE = {"type": "image_file", "image_file": {"file_id": "file_1", "detail": "low"}}
PART_URL = {"type": "image_url", "image_url": {"url": "https://images.example.test/a.png", "detail": "high"}}
ATTACHMENT = {"file_id": "file_1", "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]}
MESSAGE = {"role": "user", "content": [PART_TEXT, PART_FILE, PART_URL], "attachments": [ATTACHMENT], "metadata": {"k": "v"}}
TOOLS = [
    {"type": "code_interpreter"},
    {"type": "file_search", "file_search": {"max_num_results": 5, "ranking_options": {"ranker": "auto", "score_threshold": 0.5}}},
    {"type": "function", "function": {"name": "get_weather", "description": "d", "strict": True,
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
]
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "answer", "description": "d", "strict": True, "schema": {"type": "object"}}}
TOOL_RESOURCES = {"code_interpreter": {"file_ids": ["file_1"]}, "file_search": {"vector_store_ids": ["vs_1"]}}
NEW_STORE = {"code_interpreter": {"file_ids": ["file_1"]}, "file_search": {"vector_stores": [{
    "file_ids": ["file_1"], "metadata": {"k": "v"},
    "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}}]}}
RUN_OPTIONS = {"tools": TOOLS, "metadata": {"k": "v"}, "truncation_strategy": {"type": "last_messages", "last_messages": 5},
               "tool_choice": {"type": "function", "function": {"name": "get_weather"}}, "response_format": RESPONSE_FORMAT}
NESTED_TASKS = {
    "openai_run": (openai_run, {**RUN, **RUN_OPTIONS, "additional_messages": [MESSAGE]}),
    "openai_run tool_outputs": (openai_run, {**RUN, "run_id": "run_1", "tool_outputs": [{"tool_call_id": "call_1", "output": "ok"}]}),
    "openai_thread_run": (openai_thread_run, {"assistant_id": "asst_1", **RUN_OPTIONS, "tool_resources": TOOL_RESOURCES,
                                              "thread": {"messages": [MESSAGE], "metadata": {"k": "v"}, "tool_resources": NEW_STORE}}),
    "openai_thread_run existing thread": (
        openai_thread_run, {"assistant_id": "asst_1", "existing_thread_id": "thread_1", "additional_messages": [MESSAGE]}),
    "openai_thread_run tool_outputs": (
        openai_thread_run, {"thread_id": "thread_1", "run_id": "run_1", "tool_outputs": [{"tool_call_id": "call_1", "output": "ok"}]}),
    "openai_assistant": (openai_assistant, {"name": "a", "model": "gpt-4o", "tools": TOOLS, "tool_resources": NEW_STORE,
                                            "metadata": {"k": "v"}, "response_format": RESPONSE_FORMAT}),
    "openai_thread": (openai_thread, {"messages": [MESSAGE], "metadata": {"k": "v"}, "tool_resources": NEW_STORE}),
    "openai_message": (openai_message, {"thread_id": "thread_1", "content": [PART_TEXT, PART_FILE, PART_URL],
                                        "attachments": [ATTACHMENT], "metadata": {"k": "v"}}),
}


def wrong_type(value):
    """A value of another type than `value`, which no place that holds `value` accepts."""
    return "ten" if isinstance(value, (int, float)) and not isinstance(value, bool) else 42


def _at_key(key, breaker):
    return lambda value: {**value, key: breaker(value[key])}


def _at_index(index, breaker):
    return lambda value: [*value[:index], breaker(value[index]), *value[index + 1:]]


def breakages(value, path, name, metadata=False):
    """(path, the key the message must name, how to break the value there) for every place inside `value`.
    A metadata map takes any key, and a JSON Schema (parameters, schema) is the API's to check: no unknown keys there."""
    if isinstance(value, dict):
        if not metadata:
            yield f"{path}.bogus_key", "bogus_key", lambda current: {**current, "bogus_key": 1}
        for key, item in value.items():
            yield f"{path}.{key}", key, _at_key(key, lambda _current, item=item: wrong_type(item))
            if key not in ("parameters", "schema"):
                for where, named, breaker in breakages(item, f"{path}.{key}", key, metadata=key == "metadata"):
                    yield where, named, _at_key(key, breaker)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{path}[{index}]", name, _at_index(index, lambda _current, item=item: wrong_type(item))
            for where, named, breaker in breakages(item, f"{path}[{index}]", name):
                yield where, named, _at_index(index, breaker)


def nested_cases():
    for task, (module, args) in NESTED_TASKS.items():
        for option, value in args.items():
            if isinstance(value, (dict, list)):
                yield pytest.param(module, args, option, option, lambda _current, value=value: wrong_type(value), id=f"{task}:{option}")
                for where, named, breaker in breakages(value, option, option, metadata=option == "metadata"):
                    yield pytest.param(module, args, option, named, breaker, id=f"{task}:{where}")


NESTED_CASES = list(nested_cases())


def test_the_nested_tasks_cover_every_nested_option_of_every_module():
    modules = {module for module, _args in NESTED_TASKS.values()}
    assert modules == set(MODULES.values()) - {openai_run_info, openai_runs_info} | {openai_message}
    for module in modules:
        cls = next(value for value in vars(module).values() if isinstance(value, type) and value.__module__ == module.__name__)
        nested = {option for option, spec in cls.argument_spec.items()
                  if spec["type"] in ("dict", "raw") or (spec["type"] == "list" and spec.get("elements") == "dict")}
        given = {option for _module, args in NESTED_TASKS.values() if _module is module for option in args}
        assert nested <= given, f"{module.__name__}: {sorted(nested - given)} not in NESTED_TASKS"
    assert len(NESTED_CASES) > 300


@pytest.mark.parametrize("task", list(NESTED_TASKS))
def test_each_nested_task_is_valid_as_it_stands(run_module, task):
    """So that each case below fails because of the one place it breaks: the valid task gets as far as a request."""
    module, args = NESTED_TASKS[task]
    with pytest.raises(AssertionError, match="unexpected request #1"):
        run_module(module, api_key=API_KEY, **args)


@pytest.mark.parametrize("module, args, option, named, breaker", NESTED_CASES)
def test_a_malformed_nested_value_fails_naming_the_option_and_the_place(run_module, server, module, args, option, named, breaker):
    broken = {**args, option: breaker(args[option])}
    code, result, out = run_module(module, api_key=API_KEY, **broken)
    assert code == 1, result
    assert option in result["msg"] and named in result["msg"], result["msg"]
    assert "Traceback" not in out and "exception" not in result
    assert server.sent == []
