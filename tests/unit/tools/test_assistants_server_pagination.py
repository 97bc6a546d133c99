# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lists page exactly as the hosted API does: limit, order, after, before, first_id/last_id, has_more."""

from __future__ import annotations

import pytest

RUN_COUNT = 250


@pytest.fixture(scope="module", name="paging")
def fixture_paging(server_factory, client_factory):
    """A server of its own holding a thread with 250 finished runs, made once for the module (tests only read it)."""
    handle = server_factory()
    client = client_factory(handle.base)
    thread = client.thread()
    assistant = client.assistant()
    ids = [client.run(thread["id"], assistant["id"], metadata={"sim_seconds": "0"})["id"] for _index in range(RUN_COUNT)]
    try:
        yield client, thread["id"], ids
    finally:
        client.session.close()
        handle.stop()


def _page(api, thread_id, **params):
    return api.get(f"/threads/{thread_id}/runs", **params)


def _walk(api, thread_id, **params):
    """Follow `after` cursors to the end; returns the ids and each page's has_more."""
    ids, flags, cursor = [], [], None
    while True:
        page = _page(api, thread_id, **params, **({"after": cursor} if cursor else {}))
        ids += [run["id"] for run in page["data"]]
        flags.append(page["has_more"])
        assert (page["first_id"], page["last_id"]) == (page["data"][0]["id"], page["data"][-1]["id"])
        if not page["has_more"]:
            return ids, flags
        cursor = page["last_id"]


def test_the_default_page_is_the_newest_20(paging) -> None:
    api, thread_id, ids = paging
    page = _page(api, thread_id)
    assert page["object"] == "list"
    assert [run["id"] for run in page["data"]] == ids[::-1][:20]
    assert page["has_more"] is True


def test_walking_after_cursors_visits_every_run_once_in_creation_order_despite_shared_seconds(paging) -> None:
    api, thread_id, ids = paging
    created = [run["created_at"] for run in _page(api, thread_id, order="asc", limit=100)["data"]]
    assert len(set(created)) < len(created), "the runs should share created_at seconds, or this test proves nothing about stable order"
    assert _walk(api, thread_id, order="desc", limit=100) == (ids[::-1], [True, True, False])
    assert _walk(api, thread_id, order="asc", limit=100) == (ids, [True, True, False])
    assert _walk(api, thread_id, order="asc", limit=7)[0] == ids


def test_has_more_is_false_exactly_when_the_page_reaches_the_end(paging) -> None:
    api, thread_id, ids = paging
    assert _page(api, thread_id, order="asc", after=ids[-51], limit=50)["has_more"] is False
    assert _page(api, thread_id, order="asc", after=ids[-52], limit=50)["has_more"] is True
    last = _page(api, thread_id, order="asc", after=ids[-1])
    assert last == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


def test_before_returns_the_page_just_before_the_cursor(paging) -> None:
    api, thread_id, ids = paging
    page = _page(api, thread_id, order="asc", before=ids[150], limit=10)
    assert [run["id"] for run in page["data"]] == ids[140:150] and page["has_more"] is True
    page = _page(api, thread_id, order="asc", before=ids[5], limit=10)
    assert [run["id"] for run in page["data"]] == ids[:5] and page["has_more"] is False
    newest_first = ids[::-1]
    page = _page(api, thread_id, order="desc", before=newest_first[30], limit=20)
    assert [run["id"] for run in page["data"]] == newest_first[10:30] and page["has_more"] is True


def test_walking_before_cursors_backwards_visits_every_run(paging) -> None:
    api, thread_id, ids = paging
    page = _page(api, thread_id, order="asc", after=ids[-101], limit=100)  # the last page
    seen = [run["id"] for run in page["data"]]
    while True:
        page = _page(api, thread_id, order="asc", before=seen[0], limit=100)
        seen = [run["id"] for run in page["data"]] + seen
        if not page["has_more"]:
            break
    assert seen == ids


def test_after_and_before_together_bound_the_page(paging) -> None:
    api, thread_id, ids = paging
    page = _page(api, thread_id, order="asc", after=ids[10], before=ids[20], limit=100)
    assert [run["id"] for run in page["data"]] == ids[11:20] and page["has_more"] is False
    page = _page(api, thread_id, order="asc", after=ids[10], before=ids[20], limit=4)
    assert [run["id"] for run in page["data"]] == ids[11:15] and page["has_more"] is True


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_inclusive(paging, limit) -> None:
    api, thread_id, ids = paging
    assert [run["id"] for run in _page(api, thread_id, limit=limit)["data"]] == ids[::-1][:limit]


def test_an_empty_list_has_null_cursors(api) -> None:
    assert _page(api, api.thread()["id"]) == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


def test_run_steps_page_too(api) -> None:
    run = api.run(api.thread()["id"], api.assistant()["id"], metadata={"sim_steps": "45", "sim_seconds": "0"})
    api.wait(run, "completed")
    path = f"/threads/{run['thread_id']}/runs/{run['id']}/steps"
    ids, cursor = [], None
    for expected_more in (True, True, False):
        page = api.get(path, order="asc", limit=20, **({"after": cursor} if cursor else {}))
        assert page["has_more"] is expected_more
        ids += [step["id"] for step in page["data"]]
        cursor = page["last_id"]
    assert len(ids) == len(set(ids)) == 45
    assert api.get(path, limit=1)["data"][0]["type"] == "message_creation"  # newest first


def test_messages_and_assistants_page_too(api) -> None:
    thread = api.thread(None, messages=[{"role": "user", "content": f"m{i}"} for i in range(30)])
    page = api.get(f"/threads/{thread['id']}/messages", order="asc", limit=25)
    assert [m["content"][0]["text"]["value"] for m in page["data"]] == [f"m{i}" for i in range(25)] and page["has_more"] is True
    page = api.get(f"/threads/{thread['id']}/messages", order="asc", after=page["last_id"])
    assert [m["content"][0]["text"]["value"] for m in page["data"]] == [f"m{i}" for i in range(25, 30)] and page["has_more"] is False
    names = [api.assistant(name=f"a{i}")["name"] for i in range(3)]
    assert [a["name"] for a in api.get("/assistants", limit=2)["data"]] == names[::-1][:2]
