# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state for the objects openai_assistant and openai_thread manage: what counts as a difference.

Private to llmops.assistants: not a public API, it may change in any release.
Both modules compare the options a task sets with the object the server returns and send only what differs;
the comparison and the tool_resources check live here once.
"""

from __future__ import annotations

import typing as t

from ._options import OptionError

# Compared exactly: a key removed from these must count as a difference. Everywhere else a server may add
# fields of its own (defaults such as a function's strict or file_search's ranking_options), so a dict the
# task gives matches when the server's dict holds at least those keys with those values.
EXACT_KEYS = frozenset({"metadata", "parameters"})

TOOL_RESOURCE_KINDS = ("code_interpreter", "file_search")
MAX_CODE_INTERPRETER_FILES = 20


def covers(current: t.Any, desired: t.Any, exact: bool = False) -> bool:
    """Whether the server's value already is what the task asks for (see EXACT_KEYS)."""
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return not desired and current is None
        if exact and set(current) != set(desired):
            return False
        return all(covers(current.get(key), value, exact or key in EXACT_KEYS) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(current, list):
            return not desired and current is None
        return len(current) == len(desired) and all(covers(have, want, exact) for have, want in zip(current, desired))
    if isinstance(desired, bool) or isinstance(current, bool):
        return desired is current
    if isinstance(desired, float) and isinstance(current, (int, float)):
        # A server may keep sampling values as 32-bit floats: 0.7 can come back as 0.699999988.
        return abs(current - desired) <= 1e-6 * max(1.0, abs(desired))
    return current == desired


def changed_fields(current: t.Mapping[str, t.Any], desired: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The desired fields whose value on the server differs.

    A field the server does not return at all (a server without reasoning_effort in its objects, say)
    cannot be compared, so it is only sent when the object is created.
    """
    return {
        field: value
        for field, value in desired.items()
        if field in current and not covers(current[field], value, field in EXACT_KEYS)
    }


def check_tool_resources(value: t.Any, option: str = "tool_resources") -> None:
    """The shape the API takes; file_search.vector_stores (make a vector store) is allowed, see comparable_tool_resources."""
    if value is None:
        return
    unknown = sorted(set(value) - set(TOOL_RESOURCE_KINDS))
    if unknown:
        raise OptionError(f"{option} accepts {' and '.join(TOOL_RESOURCE_KINDS)}; unknown: {', '.join(unknown)}.")
    code = value.get("code_interpreter")
    if code is not None:
        _check_keys(code, f"{option}.code_interpreter", ("file_ids",))
        _check_ids(code.get("file_ids"), f"{option}.code_interpreter.file_ids", MAX_CODE_INTERPRETER_FILES)
    search = value.get("file_search")
    if search is not None:
        _check_keys(search, f"{option}.file_search", ("vector_store_ids", "vector_stores"))
        _check_ids(search.get("vector_store_ids"), f"{option}.file_search.vector_store_ids", 1)
        stores = search.get("vector_stores")
        if stores is not None and (not isinstance(stores, list) or len(stores) > 1):
            raise OptionError(f"{option}.file_search.vector_stores must be a list of at most 1 vector store to create.")
        if stores and search.get("vector_store_ids"):
            raise OptionError(f"{option}.file_search takes vector_store_ids or vector_stores, not both.")


def _check_keys(value: t.Any, where: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, dict):
        raise OptionError(f"{where} must be a dict with {' or '.join(allowed)}.")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise OptionError(f"{where} accepts {' and '.join(allowed)}; unknown: {', '.join(unknown)}.")


def _check_ids(value: t.Any, where: str, most: int) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise OptionError(f"{where} must be a list of IDs (strings).")
    if len(value) > most:
        raise OptionError(f"{where} may hold at most {most}; got {len(value)}.")


def comparable_tool_resources(value: dict[str, t.Any]) -> dict[str, t.Any]:
    """tool_resources without file_search.vector_stores.

    That helper asks the server to make a vector store when the object is created; the object then
    holds the new store's ID instead, so it can neither be compared nor sent in an update.
    """
    result = dict(value)
    search = result.get("file_search")
    if isinstance(search, dict) and "vector_stores" in search:
        search = {key: item for key, item in search.items() if key != "vector_stores"}
        if search:
            result["file_search"] = search
        else:
            del result["file_search"]
    return result
