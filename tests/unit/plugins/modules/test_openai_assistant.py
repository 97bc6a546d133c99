# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""openai_assistant as a playbook runs it: options refused before any request, the assistant found by name over
every page (and never guessed among namesakes), updates that send only what differs, check and diff mode, and a
lost create answer that does not make a second assistant."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.llmops.assistants.plugins.modules import openai_assistant
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import (
    body_of,
    connection_reset,
    read_timeout,
    query_of,
    requests_made,
)


def assistant(ident: str = "asst_1", name: str = "Helper", **fields: t.Any) -> dict[str, t.Any]:
    """An assistant as the API returns it, with the API's defaults."""
    body = {
        "id": ident, "object": "assistant", "created_at": 1700000000, "name": name, "description": None,
        "model": "gpt-4o", "instructions": None, "tools": [], "tool_resources": {}, "metadata": {},
        "temperature": 1.0, "top_p": 1.0, "response_format": "auto",
    }
    body.update(fields)
    return body


def page(*items: dict[str, t.Any], has_more: bool = False) -> tuple[int, dict[str, t.Any]]:
    data = list(items)
    return 200, {
        "object": "list", "data": data, "has_more": has_more,
        "first_id": data[0]["id"] if data else None, "last_id": data[-1]["id"] if data else None,
    }


Assistant = openai_assistant.OpenAIAssistant


# ---- options refused before any request ----------------------------------------------------------

@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": "Helper", "temperature": 2.5}, "temperature must be between 0 and 2; got 2.5."),
        ({"name": "Helper", "top_p": -0.1}, "top_p must be between 0 and 1; got -0.1."),
        ({"name": "Helper", "metadata": {"version": 1}}, "metadata.version must be a string (quote it in YAML); got int 1."),
        ({"name": "Helper", "metadata": {f"k{n}": "v" for n in range(17)}}, "metadata may hold at most 16 pairs; got 17."),
        ({"name": "x" * 257}, "name must be at most 256 characters; got 257."),
        ({"name": "Helper", "description": "d" * 513}, "description must be at most 512 characters; got 513."),
        ({"name": ""}, "name must not be empty: the module finds the assistant by it."),
        ({"name": "Helper", "tools": [{"type": "browser"}]}, "tools[0].type must be one of code_interpreter, file_search, function"),
        ({"name": "Helper", "tools": [{"type": "function", "function": {"name": "get weather"}}]},
         "tools[0].function.name must match ^[a-zA-Z0-9_-]{1,64}$"),
        ({"name": "Helper", "response_format": "yaml"}, "response_format must be auto, one of text, json_object, json_schema"),
        ({"name": "Helper", "tool_resources": {"retrieval": {}}},
         "tool_resources (tool resources) accepts code_interpreter and file_search; unknown: tool_resources.retrieval."),
        ({"name": "Helper", "tool_resources": {"file_search": {"vector_store_ids": ["vs_1", "vs_2"]}}},
         "tool_resources.file_search.vector_store_ids may hold at most 1; got 2."),
        ({"assistant_id": "../threads"}, "assistant_id must be an id made of letters, digits"),
        ({"model": "gpt-4o"}, "one of the following is required: name, assistant_id"),
        ({"name": "Helper", "reasoning_effort": "extreme"}, "value of reasoning_effort must be one of"),
    ],
)
def test_bad_options_fail_with_a_message_naming_them_and_send_nothing(run_module, server, options, message):
    result = run_module(Assistant, **options).result
    assert result["failed"] is True
    assert result["msg"].startswith(message)
    assert server.sent == []


def test_a_missing_key_fails_before_any_request(run_module, server):
    result = run_module(Assistant, name="Helper", api_key=None).result
    assert result["msg"] == "api_key is required: set the api_key option or the OPENAI_API_KEY environment variable."
    assert server.sent == []


# ---- finding by name -----------------------------------------------------------------------------

def test_creates_the_assistant_when_no_page_has_the_name(run_module, server):
    server.add(
        page(assistant("asst_1", "Other"), has_more=True),
        page(assistant("asst_2", "Another")),
        (200, assistant("asst_new", "Helper", instructions="Be brief.", tools=[{"type": "code_interpreter"}])),
    )
    result = run_module(Assistant, name="Helper", model="gpt-4o", instructions="Be brief.", tools=[{"type": "code_interpreter"}]).result
    assert result["changed"] is True
    assert result["assistant_id"] == "asst_new"
    assert result["assistant"]["instructions"] == "Be brief."
    assert requests_made(server) == [("GET", "/assistants"), ("GET", "/assistants"), ("POST", "/assistants")]
    assert query_of(server, 0)["limit"] == "100"
    assert query_of(server, 1)["after"] == "asst_1"
    assert body_of(server, 2) == {"name": "Helper", "model": "gpt-4o", "instructions": "Be brief.", "tools": [{"type": "code_interpreter"}]}


def test_an_assistant_on_a_later_page_is_found_and_left_alone_when_nothing_differs(run_module, server):
    server.add(
        page(assistant("asst_1", "Other"), has_more=True),
        page(assistant("asst_2", "Helper", instructions="Be brief.", metadata={"team": "ops"})),
    )
    result = run_module(Assistant, name="Helper", model="gpt-4o", instructions="Be brief.", metadata={"team": "ops"}).result
    assert result["changed"] is False
    assert result["assistant_id"] == "asst_2"
    assert requests_made(server) == [("GET", "/assistants"), ("GET", "/assistants")]


def test_two_assistants_with_the_name_fail_and_ask_for_assistant_id(run_module, server):
    server.add(page(assistant("asst_1", "Helper"), assistant("asst_2", "Other"), assistant("asst_3", "Helper")))
    result = run_module(Assistant, name="Helper", model="gpt-4o", instructions="Be brief.").result
    assert result["failed"] is True
    assert "2 assistants are named 'Helper' (asst_1, asst_3)" in result["msg"]
    assert "Set assistant_id" in result["msg"]
    assert [item["id"] for item in result["assistants"]] == ["asst_1", "asst_3"]
    assert requests_made(server) == [("GET", "/assistants")]


def test_two_namesakes_are_fine_when_assistant_id_says_which(run_module, server):
    server.add((200, assistant("asst_3", "Helper")))
    result = run_module(Assistant, assistant_id="asst_3", name="Helper", model="gpt-4o").result
    assert result["changed"] is False
    assert requests_made(server) == [("GET", "/assistants/asst_3")]


def test_creating_needs_a_model(run_module, server):
    server.add(page())
    result = run_module(Assistant, name="Helper", instructions="Be brief.").result
    assert result["failed"] is True
    assert result["msg"] == "model is required to create the assistant 'Helper': no assistant has that name yet."
    assert requests_made(server) == [("GET", "/assistants")]


# ---- updates send only what differs --------------------------------------------------------------

def test_an_update_sends_only_the_fields_that_differ(run_module, server):
    current = assistant("asst_2", "Helper", instructions="Old.", temperature=0.7, metadata={"team": "ops"})
    server.add(page(current), (200, dict(current, instructions="New.", top_p=0.5)))
    result = run_module(Assistant, name="Helper", model="gpt-4o", instructions="New.", temperature=0.7, top_p=0.5, metadata={"team": "ops"}).result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/assistants"), ("POST", "/assistants/asst_2")]
    assert body_of(server, 1) == {"instructions": "New.", "top_p": 0.5}
    assert result["assistant"]["instructions"] == "New."


def test_metadata_is_the_whole_set(run_module, server):
    current = assistant("asst_2", "Helper", metadata={"team": "ops", "old": "yes"})
    server.add(page(current), (200, dict(current, metadata={"team": "ops"})))
    result = run_module(Assistant, name="Helper", metadata={"team": "ops"}).result
    assert result["changed"] is True
    assert body_of(server, 1) == {"metadata": {"team": "ops"}}


def test_fields_the_server_adds_by_itself_are_not_differences(run_module, server):
    function = {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {}}}
    current = assistant(
        "asst_2", "Helper",
        tools=[
            {"type": "function", "function": dict(function, strict=False)},
            {"type": "file_search", "file_search": {"ranking_options": {"ranker": "auto", "score_threshold": 0.0}}},
        ],
        tool_resources={"code_interpreter": {"file_ids": []}, "file_search": {"vector_store_ids": ["vs_1"]}},
        temperature=0.699999988079071,
    )
    server.add(page(current))
    result = run_module(
        Assistant, name="Helper",
        tools=[{"type": "function", "function": json.loads(json.dumps(function))}, {"type": "file_search"}],
        tool_resources={"file_search": {"vector_store_ids": ["vs_1"]}},
        temperature=0.7,
    ).result
    assert result["changed"] is False
    assert requests_made(server) == [("GET", "/assistants")]


def test_a_changed_function_schema_is_a_difference(run_module, server):
    old = {"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string"}}}
    new = {"type": "object", "properties": {"location": {"type": "string"}}}
    current = assistant("asst_2", "Helper", tools=[{"type": "function", "function": {"name": "f", "parameters": old, "strict": False}}])
    server.add(page(current), (200, current))
    result = run_module(Assistant, name="Helper", tools=[{"type": "function", "function": {"name": "f", "parameters": new}}]).result
    assert result["changed"] is True
    assert body_of(server, 1) == {"tools": [{"type": "function", "function": {"name": "f", "parameters": new}}]}


def test_a_field_the_server_does_not_report_is_not_compared(run_module, server):
    server.add(page(assistant("asst_2", "Helper")))
    result = run_module(Assistant, name="Helper", reasoning_effort="low").result
    assert result["changed"] is False
    assert requests_made(server) == [("GET", "/assistants")]


def test_vector_stores_to_create_are_sent_on_create_only(run_module, server):
    resources = {"file_search": {"vector_stores": [{"file_ids": ["file_1"]}]}}
    server.add(page(assistant("asst_2", "Helper", tool_resources={"file_search": {"vector_store_ids": ["vs_made"]}})))
    result = run_module(Assistant, name="Helper", tool_resources=resources).result
    assert result["changed"] is False


def test_a_rename_by_assistant_id(run_module, server):
    current = assistant("asst_2", "Helper")
    server.add((200, current), (200, dict(current, name="Helper v2")))
    result = run_module(Assistant, assistant_id="asst_2", name="Helper v2").result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/assistants/asst_2"), ("POST", "/assistants/asst_2")]
    assert body_of(server, 1) == {"name": "Helper v2"}


def test_an_unknown_assistant_id_fails_with_state_present(run_module, server):
    server.add((404, {"error": {"message": "No assistant found with id 'asst_9'.", "type": "invalid_request_error"}}))
    result = run_module(Assistant, assistant_id="asst_9", model="gpt-4o").result
    assert result["failed"] is True
    assert result["msg"].startswith("Assistant asst_9 was not found.")
    assert requests_made(server) == [("GET", "/assistants/asst_9")]


# ---- check and diff mode -------------------------------------------------------------------------

def test_check_mode_reports_a_create_and_sends_only_reads(run_module, server):
    server.add(page())
    result = run_module(Assistant, check=True, diff=True, name="Helper", model="gpt-4o").result
    assert result["changed"] is True
    assert result["assistant"] is None and result["assistant_id"] is None
    assert result["diff"] == {"before": {}, "after": {"name": "Helper", "model": "gpt-4o"}}
    assert requests_made(server) == [("GET", "/assistants")]


def test_check_mode_reports_an_update_with_its_diff_and_sends_only_reads(run_module, server):
    server.add(page(assistant("asst_2", "Helper", instructions="Old.")))
    result = run_module(Assistant, check=True, diff=True, name="Helper", instructions="New.").result
    assert result["changed"] is True
    assert result["diff"]["before"]["instructions"] == "Old."
    assert result["diff"]["after"]["instructions"] == "New."
    assert {key for key in result["diff"]["before"] if result["diff"]["before"][key] != result["diff"]["after"][key]} == {"instructions"}
    assert requests_made(server) == [("GET", "/assistants")]


def test_no_diff_without_diff_mode(run_module, server):
    server.add(page(assistant("asst_2", "Helper")))
    result = run_module(Assistant, name="Helper").result
    assert "diff" not in result


# ---- state=absent --------------------------------------------------------------------------------

def test_absent_deletes_the_assistant_found_by_name(run_module, server):
    server.add(page(assistant("asst_2", "Helper")), (200, {"id": "asst_2", "object": "assistant.deleted", "deleted": True}))
    result = run_module(Assistant, name="Helper", state="absent").result
    assert result["changed"] is True
    assert result["assistant"] is None and result["assistant_id"] == "asst_2"
    assert requests_made(server) == [("GET", "/assistants"), ("DELETE", "/assistants/asst_2")]


def test_absent_without_such_an_assistant_changes_nothing(run_module, server):
    server.add((404, {"error": {"message": "No assistant found with id 'asst_9'."}}))
    result = run_module(Assistant, assistant_id="asst_9", state="absent").result
    assert result["changed"] is False
    assert requests_made(server) == [("GET", "/assistants/asst_9")]


def test_absent_in_check_mode_sends_no_delete(run_module, server):
    server.add(page(assistant("asst_2", "Helper")))
    result = run_module(Assistant, check=True, name="Helper", state="absent").result
    assert result["changed"] is True
    assert requests_made(server) == [("GET", "/assistants")]


# ---- a create whose answer was lost --------------------------------------------------------------

def test_a_lost_create_answer_is_looked_up_by_name_and_not_sent_again(run_module, server):
    made = assistant("asst_made", "Helper")
    server.add(page(), connection_reset(), page(made))
    result = run_module(Assistant, name="Helper", model="gpt-4o").result
    assert result["changed"] is True
    assert result["assistant_id"] == "asst_made"
    assert requests_made(server) == [("GET", "/assistants"), ("POST", "/assistants"), ("GET", "/assistants")]


def test_a_lost_create_that_was_not_applied_is_sent_again(run_module, server):
    server.add(page(), connection_reset(), page(), (200, assistant("asst_made", "Helper")))
    result = run_module(Assistant, name="Helper", model="gpt-4o").result
    assert result["assistant_id"] == "asst_made"
    assert requests_made(server) == [("GET", "/assistants"), ("POST", "/assistants"), ("GET", "/assistants"), ("POST", "/assistants")]


def test_a_lost_create_whose_lookup_fails_too_still_reports_changed(run_module, server):
    server.add(page(), connection_reset(), (403, {"error": {"message": "You may not list assistants.", "type": "invalid_request_error"}}))
    result = run_module(Assistant, name="Helper", model="gpt-4o").result
    assert result["failed"] is True
    # The assistant may have been made: the task must not say it changed nothing (#12 item 3).
    assert result["changed"] is True and result["assistant_id"] is None
    assert [method for method, _path in requests_made(server)].count("POST") == 1


def test_a_create_that_timed_out_and_is_not_found_yet_still_reports_changed(run_module, server):
    server.add(page(), read_timeout("/v1/assistants"), page())
    result = run_module(Assistant, name="Helper", model="gpt-4o", request_timeout=1).result
    assert result["failed"] is True and "the server may still apply it" in result["msg"]
    assert result["changed"] is True


def test_an_update_the_server_did_not_keep_warns_naming_the_field(run_module, server):
    server.add(page(assistant()), (200, assistant(instructions=None)))
    result = run_module(Assistant, name="Helper", instructions="Be brief.").result
    assert result["changed"] is True
    # ansible-core 2.19 returns each warning as a structured summary, older cores as a string.
    warnings = json.dumps(result.get("warnings", []))
    assert "The server did not keep the instructions it was asked to set on assistant asst_1: it answered None, not 'Be brief.'" in warnings


def test_a_create_the_server_kept_gives_no_warning(run_module, server):
    server.add(page(), (200, assistant("asst_new", temperature=0.699999988, tools=[{"type": "function", "function": {
        "name": "f", "parameters": {}, "strict": False}}])))
    result = run_module(Assistant, name="Helper", model="gpt-4o", temperature=0.7,
                        tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}]).result
    assert result["changed"] is True and "warnings" not in result, result
