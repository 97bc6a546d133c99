# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official `openai` package, unchanged, works against the local server."""

from __future__ import annotations

import openai
import pytest

# The SDK marks the Assistants API deprecated; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def _sdk(url: str):
    sdk = openai.OpenAI(api_key="sk-test", base_url=url, max_retries=2)
    try:
        yield sdk
    finally:
        sdk.close()


@pytest.fixture(name="client")
def fixture_client(server, api):
    del api  # requested only to start each test from an empty server
    yield from _sdk(server.url)


def test_create_and_poll_completes_and_the_answer_is_in_the_thread(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", instructions="Echo.")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hello SDK"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed" and run.usage is not None and run.usage.total_tokens > 0
    messages = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id)
    assert [m.content[0].text.value for m in messages] == ["Echo: Hello SDK"]


def test_create_thread_and_run_poll_completes(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    run = client.beta.threads.create_and_run_poll(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]})
    assert run.status == "completed"


def test_auto_paging_runs_list_visits_every_run_across_pages(client, api) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    created = [client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, metadata={"sim_seconds": "0"}).id for _index in range(45)]
    api.control("DELETE", "requests")
    listed = [run.id for run in client.beta.threads.runs.list(thread_id=thread.id, limit=10)]
    assert listed == created[::-1]
    pages = [entry for entry in api.control("GET", "requests")["requests"] if entry["path"].endswith("/runs")]
    assert len(pages) == 5 and [bool(page["query"].get("after")) for page in pages] == [False, True, True, True, True]


def test_auto_paging_run_steps_visits_every_step(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, metadata={"sim_steps": "45"})
    steps = list(client.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id, limit=20))
    assert len({step.id for step in steps}) == 45 and steps[0].type == "message_creation"


def test_cancel_moves_the_run_to_cancelled(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, metadata={"sim_seconds": "60"})
    cancelling = client.beta.threads.runs.cancel(run_id=run.id, thread_id=thread.id)
    assert cancelling.status == "cancelling"
    cancelled = client.beta.threads.runs.poll(run_id=run.id, thread_id=thread.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None


def test_submit_tool_outputs_after_requires_action_completes_the_run(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Oslo?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert call.function.name == "get_weather"
    submitted = client.beta.threads.runs.submit_tool_outputs(thread_id=thread.id, run_id=run.id, tool_outputs=[{"tool_call_id": call.id, "output": "rain"}])
    assert submitted.status == "queued"
    done = client.beta.threads.runs.poll(run_id=run.id, thread_id=thread.id)
    assert done.status == "completed"
    [answer] = client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id)
    assert answer.content[0].text.value == "Echo: Weather in Oslo?\nget_weather returned: rain"


def test_the_sdk_raises_its_typed_errors_with_the_servers_messages(client, make_server) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    first = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, metadata={"sim_seconds": "60"})
    with pytest.raises(openai.BadRequestError, match=f"Thread {thread.id} already has an active run {first.id}."):
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(openai.NotFoundError, match="No thread found with id 'thread_nope'."):
        client.beta.threads.runs.list(thread_id="thread_nope")
    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, temperature=3)
    assert caught.value.param == "temperature"
    keyed = make_server(api_key="sk-right")[0]
    with openai.OpenAI(api_key="sk-wrong", base_url=keyed.url, max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError):
            wrong.beta.assistants.list()


def test_the_sdk_retries_a_rate_limit_after_retry_after_ms(client, api) -> None:
    api.control("PUT", "faults", [{"method": "POST", "path": "/assistants$", "action": "status", "status": 429, "retry_after_ms": 10, "times": 2}])
    assert client.beta.assistants.create(model="gpt-4o").id.startswith("asst_")
    attempts = [entry for entry in api.control("GET", "requests")["requests"] if entry["path"] == "/v1/assistants"]
    assert [entry["status"] for entry in attempts] == [429, 429, 200]
    assert [entry["headers"]["x-stainless-retry-count"] for entry in attempts] == ["0", "1", "2"]


def test_a_run_created_but_unanswered_is_not_created_twice_by_the_sdks_retry(client, api) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    api.control("PUT", "faults", [{"method": "POST", "path": "/threads/[^/]+/runs$", "action": "drop_after_apply"}])
    with pytest.raises(openai.BadRequestError, match="already has an active run"):
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, metadata={"sim_seconds": "60"})
    assert len(list(client.beta.threads.runs.list(thread_id=thread.id))) == 1


def test_the_sdks_run_stream_helper_sees_the_whole_run(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "stream please"}])
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        events = [event.event for event in stream]
        final = stream.get_final_run()
        [answer] = stream.get_final_messages()
    assert events[0] == "thread.run.created" and events[-1] == "thread.run.completed" and "thread.message.delta" in events
    assert final.status == "completed" and answer.content[0].text.value == "Echo: stream please"


def test_the_sdks_streams_go_through_requires_action_and_tool_outputs(client) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    with client.beta.threads.create_and_run_stream(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Rome"}]}) as stream:
        stream.until_done()
        run = stream.current_run
    assert run is not None and run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    with client.beta.threads.runs.submit_tool_outputs_stream(thread_id=run.thread_id, run_id=run.id,
                                                             tool_outputs=[{"tool_call_id": call.id, "output": "hot"}]) as stream:
        stream.until_done()
        assert stream.get_final_run().status == "completed"
        assert stream.get_final_messages()[0].content[0].text.value == "Echo: Rome\nget_weather returned: hot"


# ---- the same SDK against --backend chat, in front of the stand-in upstream ----

@pytest.fixture(name="bridge_client")
def fixture_bridge_client(bridge_server, bridge):
    del bridge  # requested only to start each test from an empty bridge and stand-in
    yield from _sdk(bridge_server.url)


def test_bridge_create_and_poll_answers_with_the_upstreams_text(bridge_client) -> None:
    assistant = bridge_client.beta.assistants.create(model="gpt-4o", instructions="Be kind.")
    thread = bridge_client.beta.threads.create(messages=[{"role": "user", "content": "Hello model"}])
    run = bridge_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=10)
    assert run.status == "completed" and run.usage is not None and run.usage.total_tokens > 0
    messages = bridge_client.beta.threads.messages.list(thread_id=thread.id, run_id=run.id)
    assert [m.content[0].text.value for m in messages] == ["You said: Hello model"]


def test_bridge_runs_stream_with_an_event_handler_gets_a_text_delta_per_chunk(bridge_client) -> None:
    class Collect(openai.AssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.deltas: list[str] = []

        def on_text_delta(self, delta, snapshot) -> None:  # pylint: disable=unused-argument
            self.deltas.append(delta.value)

    assistant = bridge_client.beta.assistants.create(model="gpt-4o")
    thread = bridge_client.beta.threads.create(messages=[{"role": "user", "content": "three word answer"}])
    handler = Collect()
    with bridge_client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=handler) as stream:
        stream.until_done()
        final = stream.get_final_run()
    assert final.status == "completed"
    assert len(handler.deltas) > 1 and "".join(handler.deltas) == "You said: three word answer"


def test_bridge_submit_tool_outputs_and_poll_completes_the_tool_round_trip(bridge_client) -> None:
    assistant = bridge_client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = bridge_client.beta.threads.create(messages=[{"role": "user", "content": "please use the tool"}])
    run = bridge_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=10)
    assert run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert call.function.name == "get_weather"
    run = bridge_client.beta.threads.runs.submit_tool_outputs_and_poll(thread_id=thread.id, run_id=run.id, poll_interval_ms=10,
                                                                       tool_outputs=[{"tool_call_id": call.id, "output": "14C"}])
    assert run.status == "completed"
    assert bridge_client.beta.threads.messages.list(thread_id=thread.id).data[0].content[0].text.value == "The tool answered: 14C"
