# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by the modules, and the checks Ansible's own types cannot express.

Private to llmops.assistants: not a public API, it may change in any release.
Every check here runs before any request is sent; a failure names the option and what is allowed.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ._client import DEFAULT_API_BASE, is_valid_id


class OptionError(ValueError):
    """A value the user gave cannot be sent; the message names the option."""


def connection_argument_spec() -> dict[str, dict[str, t.Any]]:
    """The connection options every module takes (documented in the llmops.assistants.connection fragment)."""
    return {
        "api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["OPENAI_API_KEY"])},
        "api_base": {"type": "str", "default": DEFAULT_API_BASE, "fallback": (env_fallback, ["OPENAI_BASE_URL"])},
        "organization": {"type": "str", "fallback": (env_fallback, ["OPENAI_ORG_ID"])},
        "project": {"type": "str", "fallback": (env_fallback, ["OPENAI_PROJECT_ID"])},
        "request_timeout": {"type": "float", "default": 60.0},
        "max_retries": {"type": "int", "default": 3},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
    }


def check_connection(params: t.Mapping[str, t.Any]) -> None:
    if not params.get("api_key"):
        raise OptionError("api_key is required: set the api_key option or the OPENAI_API_KEY environment variable.")
    api_base = params.get("api_base") or ""
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise OptionError(
            f"api_base must be an http:// or https:// URL without query or fragment, such as {DEFAULT_API_BASE}; got {api_base!r}."
        )
    check_range(params, "request_timeout", minimum=0.1, maximum=3600)
    check_range(params, "max_retries", minimum=0, maximum=20)


def check_range(
    params: t.Mapping[str, t.Any],
    option: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> None:
    value = params.get(option)
    if value is None:
        return
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            allowed = f"at least {minimum:g}"
        elif minimum is None:
            allowed = f"at most {maximum:g}"
        else:
            allowed = f"between {minimum:g} and {maximum:g}"
        raise OptionError(f"{option} must be {allowed}; got {value!r}.")


def check_id(params: t.Mapping[str, t.Any], option: str) -> None:
    """Ids go into URL paths: only characters that cannot change the endpoint are accepted."""
    value = params.get(option)
    if value is None:
        return
    if not isinstance(value, str) or not is_valid_id(value):
        raise OptionError(
            f"{option} must be an id made of letters, digits, '_', '-', '.' or ':' (starting with a letter or digit), "
            f"such as thread_abc123; got {value!r}."
        )


def check_ids(params: t.Mapping[str, t.Any], options: t.Iterable[str]) -> None:
    for option in options:
        check_id(params, option)
