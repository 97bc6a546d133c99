# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cursor pagination as the hosted API does it: limit, order, after, before, has_more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from assistants_server.errors import bad_request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_LIMIT
    order: str = "desc"
    after: str | None = None
    before: str | None = None


def _single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def parse_page(query: dict[str, list[str]]) -> Page:
    raw_limit = _single(query, "limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise bad_request(f"Invalid type for 'limit': expected an integer, but got a string instead ('{raw_limit}').",
                              param="limit", code="invalid_type") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"Invalid value for 'limit': must be between 1 and {MAX_LIMIT}.", param="limit",
                              code="integer_below_min_value" if limit < 1 else "integer_above_max_value")
    order = _single(query, "order") or "desc"
    if order not in ("asc", "desc"):
        raise bad_request(f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.", param="order", code="invalid_value")
    return Page(limit=limit, order=order, after=_single(query, "after") or None, before=_single(query, "before") or None)


def paginate(items: Iterable[dict[str, Any]], page: Page) -> dict[str, Any]:
    """`items` come in creation order; the answer is one page in the asked order.

    `after` takes the objects that follow the cursor in that order, `before` the ones that precede it
    (the page nearest the cursor, still in that order); `has_more` says whether more objects exist
    beyond the page in the direction being walked.
    """
    ordered = list(items)
    if page.order == "desc":
        ordered.reverse()
    position = {item["id"]: index for index, item in enumerate(ordered)}
    low, high = 0, len(ordered)
    for name, cursor in (("after", page.after), ("before", page.before)):
        if cursor is None:
            continue
        if cursor not in position:
            raise bad_request(f"Invalid value for '{name}': no object with id '{cursor}' in this list.", param=name, code="invalid_value")
        if name == "after":
            low = max(low, position[cursor] + 1)
        else:
            high = min(high, position[cursor])
    window = ordered[low:high] if low < high else []
    if page.before is not None and page.after is None:
        data = window[-page.limit:]
    else:
        data = window[:page.limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(window) > len(data),
    }
