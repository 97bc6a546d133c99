# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading runs, and the exactness of the filtered, cursor-paged listing, against an in-process fake API.

The fake is a requests adapter mounted on a real Session, so the shared Client, its pager and real
requests.Response objects are exercised; nothing touches the network.
"""

from __future__ import annotations

import json
import math
import random
import typing as t

import pytest
import requests

from ansible_collections.llmops.assistants.plugins.module_utils._client import Client
from ansible_collections.llmops.assistants.plugins.module_utils._errors import TaskFailed
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import FAKE_API_BASE as BASE, FakeApi
from ansible_collections.llmops.assistants.plugins.module_utils._api import (
    get_run,
    list_runs,
    output_text,
    run_messages,
    run_steps,
)

THREAD = "thread_t1"


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


def client_for(api: FakeApi) -> Client:
    session = requests.Session()
    session.mount(BASE, api)
    return Client(api_key="sk-test", api_base=BASE, session=session, max_retries=0, sleep=lambda _: None)


def walk(client: Client, direction: str, start: str | None = None, **kwargs: t.Any) -> tuple[list[str], list[dict[str, t.Any]]]:
    """Call list_runs again and again, continuing from the previous call's cursor, until has_more is false.

    direction is "after" (continue with last_id) or "before" (continue with first_id); the ids come back
    in list order either way.
    """
    cursor_key = "last_id" if direction == "after" else "first_id"
    seen: list[str] = []
    calls = []
    cursor = start
    while True:
        result = list_runs(client, THREAD, **kwargs, **({direction: cursor} if cursor else {}))
        calls.append(result)
        ids = [run["id"] for run in result["runs"]]
        assert len(set(ids)) == len(ids)
        seen = seen + ids if direction == "after" else ids + seen
        if not result["has_more"]:
            # has_more false means exactly that a further call returns nothing.
            if result["runs"]:
                again = list_runs(client, THREAD, **kwargs, **{direction: result[cursor_key]})
                assert again["runs"] == [] and again["has_more"] is False
            return seen, calls
        assert len(result["runs"]) == kwargs["limit"], "has_more is only true once limit runs were returned"
        cursor = result[cursor_key]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_paging_with_after_returns_every_run_once_in_order(api: FakeApi, order: str) -> None:
    runs = api.add_runs(THREAD, ["completed"] * 250)
    expected = [run["id"] for run in (runs if order == "asc" else runs[::-1])]
    seen, calls = walk(client_for(api), "after", limit=7, order=order)
    assert seen == expected
    assert len(calls) == math.ceil(250 / 7)
    assert all(len(call["runs"]) == 7 for call in calls[:-1])
    assert all(call["first_id"] == call["runs"][0]["id"] and call["last_id"] == call["runs"][-1]["id"] for call in calls)
    # One request per call (pages of `limit` when nothing is filtered), plus the final check in walk().
    assert len(api.list_requests()) == len(calls) + 1


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_paging_with_before_walks_backwards_and_keeps_order(api: FakeApi, order: str) -> None:
    runs = api.add_runs(THREAD, ["completed"] * 250)
    expected = [run["id"] for run in (runs if order == "asc" else runs[::-1])]
    # Start before the very last run, then keep going with before=first_id.
    seen, calls = walk(client_for(api), "before", start=expected[-1], limit=7, order=order)
    assert seen == expected[:-1]
    for call in calls:
        ids = [run["id"] for run in call["runs"]]
        assert ids == sorted(ids, reverse=order == "desc"), "each page stays sorted in the order asked for"


def test_limit_above_one_page_takes_the_fewest_requests(api: FakeApi) -> None:
    api.add_runs(THREAD, ["completed"] * 300)
    result = list_runs(client_for(api), THREAD, limit=250, order="asc")
    assert [run["id"] for run in result["runs"]] == [f"run_{n:04d}" for n in range(250)]
    assert result["has_more"] is True
    assert [query["limit"] for query in api.list_requests()] == ["100", "100", "100"]


def test_limit_of_exactly_the_runs_left_answers_has_more_from_the_server(api: FakeApi) -> None:
    api.add_runs(THREAD, ["completed"] * 10)
    result = list_runs(client_for(api), THREAD, limit=10, order="asc")
    assert len(result["runs"]) == 10 and result["has_more"] is False
    assert len(api.list_requests()) == 1


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 200, 250])
def test_all_pages_takes_ceil_n_over_100_requests(api: FakeApi, count: int) -> None:
    api.add_runs(THREAD, ["completed"] * count)
    result = list_runs(client_for(api), THREAD, limit=1, all_pages=True, order="asc")
    assert [run["id"] for run in result["runs"]] == [f"run_{n:04d}" for n in range(count)]
    assert result["has_more"] is False
    assert len(api.list_requests()) == max(1, math.ceil(count / 100))
    assert all(query["limit"] == "100" for query in api.list_requests())


def test_status_filter_across_page_boundaries_is_exact(api: FakeApi) -> None:
    # 5 failed runs spread over three pages of 100, the rest completed.
    failed_at = {3, 98, 150, 201, 299}
    api.add_runs(THREAD, ["failed" if n in failed_at else "completed" for n in range(300)])
    client = client_for(api)
    first = list_runs(client, THREAD, limit=2, order="asc", statuses=["failed"])
    assert [run["id"] for run in first["runs"]] == ["run_0003", "run_0098"]
    # The next failed run is on the second page: has_more looked ahead to it.
    assert first["has_more"] is True
    assert first["last_id"] == "run_0098"
    rest = list_runs(client, THREAD, limit=10, order="asc", statuses=["failed"], after=first["last_id"])
    assert [run["id"] for run in rest["runs"]] == ["run_0150", "run_0201", "run_0299"]
    assert rest["has_more"] is False


def test_status_filter_has_more_is_false_when_no_further_run_matches(api: FakeApi) -> None:
    api.add_runs(THREAD, ["failed"] * 2 + ["completed"] * 250)
    result = list_runs(client_for(api), THREAD, limit=2, order="asc", statuses=["failed"])
    assert [run["id"] for run in result["runs"]] == ["run_0000", "run_0001"]
    # Looking ahead had to read to the end of the list to be sure.
    assert result["has_more"] is False
    assert len(api.list_requests()) == 3


def test_status_filter_with_no_match_returns_empty_ids(api: FakeApi) -> None:
    api.add_runs(THREAD, ["completed"] * 5)
    result = list_runs(client_for(api), THREAD, limit=20, statuses=["failed", "expired"])
    assert result == {"runs": [], "first_id": None, "last_id": None, "has_more": False}


@pytest.mark.parametrize("seed", range(40))
def test_filtered_paging_in_both_directions_never_skips_or_repeats(seed: int) -> None:
    rng = random.Random(seed)
    api = FakeApi(azure_style=seed % 2 == 1)
    count = rng.choice([0, 1, 5, 99, 100, 101, 230])
    api.add_runs(THREAD, [rng.choice(["completed", "completed", "failed", "cancelled", "expired"]) for dummy in range(count)])
    statuses = rng.choice([None, ["failed"], ["failed", "cancelled"], ["queued"]])
    order = rng.choice(["asc", "desc"])
    limit = rng.choice([1, 3, 7, 50, 100, 101, 250])
    client = client_for(api)
    runs = api.threads[THREAD] if order == "asc" else api.threads[THREAD][::-1]
    expected = [run["id"] for run in runs if statuses is None or run["status"] in statuses]

    forward = walk(client, "after", limit=limit, order=order, statuses=statuses)[0]
    assert forward == expected
    if runs:
        # Backwards from before the last run of the whole list.
        backward = walk(client, "before", start=runs[-1]["id"], limit=limit, order=order, statuses=statuses)[0]
        last_matches = statuses is None or runs[-1]["status"] in statuses
        assert backward == (expected[:-1] if last_matches else expected)


def test_lists_without_cursor_ids_are_paged_on_the_data(api: FakeApi) -> None:
    api.azure_style = True
    api.add_runs(THREAD, ["completed"] * 150)
    result = list_runs(client_for(api), THREAD, limit=120, order="asc")
    assert [run["id"] for run in result["runs"]] == [f"run_{n:04d}" for n in range(120)]
    assert (result["first_id"], result["last_id"], result["has_more"]) == ("run_0000", "run_0119", True)


def test_after_and_before_together_are_refused(api: FakeApi) -> None:
    with pytest.raises(ValueError, match="after and before"):
        list_runs(client_for(api), THREAD, limit=1, after="run_a", before="run_b")
    assert api.requests == []


def test_get_run_returns_the_run_and_the_poll_header(api: FakeApi) -> None:
    api.add_runs(THREAD, ["in_progress"])
    run, headers = get_run(client_for(api), THREAD, "run_0000")
    assert run["id"] == "run_0000" and run["status"] == "in_progress"
    assert headers["openai-poll-after-ms"] == "250"


def test_run_steps_reads_every_page_oldest_first_with_details_as_json(api: FakeApi) -> None:
    api.add_runs(THREAD, ["completed"])
    api.steps["run_0000"] = [
        {"id": f"step_{n:03d}", "object": "thread.run.step", "type": "tool_calls", "status": "completed",
         "step_details": {"type": "tool_calls", "tool_calls": [{"id": f"call_{n}", "type": "function"}]}}
        for n in range(250)
    ]
    steps = run_steps(client_for(api), THREAD, "run_0000")
    assert [step["id"] for step in steps] == [f"step_{n:03d}" for n in range(250)]
    assert json.loads(steps[7]["details"]) == api.steps["run_0000"][7]["step_details"]
    assert steps[7]["details"] == json.dumps(api.steps["run_0000"][7]["step_details"], sort_keys=True)
    queries = api.list_requests("/steps")
    assert len(queries) == 3 and all(query["order"] == "asc" and query["limit"] == "100" for query in queries)


def test_run_messages_are_the_runs_assistant_messages_in_order(api: FakeApi) -> None:
    api.add_runs(THREAD, ["completed"])

    def message(number: int, role: str, run_id: str | None, text: str) -> dict[str, t.Any]:
        return {"id": f"msg_{number:03d}", "role": role, "run_id": run_id,
                "content": [{"type": "text", "text": {"value": text, "annotations": []}}]}

    api.messages[THREAD] = (
        [message(0, "user", None, "question")]
        + [message(n, "assistant", "run_0000", f"answer {n}") for n in range(1, 131)]
        + [message(131, "assistant", "run_other", "not this run")]
    )
    messages = run_messages(client_for(api), THREAD, "run_0000")
    assert [m["id"] for m in messages] == [f"msg_{n:03d}" for n in range(1, 131)]
    assert all(query["run_id"] == "run_0000" and query["order"] == "asc" for query in api.list_requests("/messages"))
    assert output_text(messages[:2]) == "answer 1\n\nanswer 2"


def test_output_text_keeps_only_text_parts() -> None:
    messages = [
        {"content": [{"type": "image_file", "image_file": {"file_id": "file_1"}},
                     {"type": "text", "text": {"value": "first", "annotations": []}}]},
        {"content": [{"type": "text", "text": {"value": "second", "annotations": []}}]},
        {"content": None},
    ]
    assert output_text(messages) == "first\n\nsecond"
    assert output_text([]) == ""


def test_not_found_names_the_missing_thread(api: FakeApi) -> None:
    client = client_for(api)
    with pytest.raises(TaskFailed) as caught:
        get_run(client, "thread_gone", "run_x", explain=True)
    message = caught.value.message
    assert message.startswith("Thread thread_gone was not found")


def test_not_found_names_the_missing_run(api: FakeApi) -> None:
    api.add_runs(THREAD, ["completed"])
    client = client_for(api)
    with pytest.raises(TaskFailed) as caught:
        get_run(client, THREAD, "run_missing", explain=True)
    message = caught.value.message
    assert message.startswith(f"Run run_missing was not found on thread {THREAD}")
    assert "No run found with id 'run_missing'" in message
