# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by the modules, and the checks Ansible's own types cannot express.

Private to llmops.assistants: not a public API, it may change in any release.
Every check here runs before any request is sent; a failure names the option and what is allowed.
"""

from __future__ import annotations

import json
import math
import re
import typing as t
from urllib.parse import urlsplit

from ansible.module_utils.common.parameters import env_fallback

from ._auth import AUTH_TYPES, check_credentials
from ._client import DEFAULT_API_BASE, is_valid_id
from ._errors import OptionError


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
        "api_version": {"type": "str", "fallback": (env_fallback, ["OPENAI_API_VERSION"])},
        "auth_type": {"type": "str", "default": "bearer", "choices": list(AUTH_TYPES)},
        "azure_ad_token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["AZURE_OPENAI_AD_TOKEN"])},
        "send_beta_header": {"type": "bool", "default": True},
    }


_API_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_connection(params: t.Mapping[str, t.Any]) -> None:
    api_base = params.get("api_base") or ""
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        hint = " Set the api-version with the api_version option instead." if "api-version" in parts.query else ""
        raise OptionError(
            f"api_base must be an http:// or https:// URL without query or fragment, such as {DEFAULT_API_BASE}; got {api_base!r}.{hint}"
        )
    api_version = params.get("api_version")
    if api_version and not _API_VERSION.match(api_version):  # empty is unset, as for api_key
        raise OptionError(f"api_version must be a version such as 2025-05-01 or 2025-05-15-preview (letters, digits, . _ -); got {api_version!r}.")
    check_credentials(params, api_base)
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
    out_of_range = (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
    if out_of_range or (isinstance(value, float) and math.isnan(value)):  # NaN compares false with everything
        if maximum is None:
            allowed = f"at least {minimum:g}"
        elif minimum is None:
            allowed = f"at most {maximum:g}"
        else:
            allowed = f"between {minimum:g} and {maximum:g}"
        raise OptionError(f"{option} must be {allowed}; got {value!r}.")


# The example each id option's message gives, of the kind of object it names.
ID_EXAMPLES = {
    "thread_id": "thread_abc123", "existing_thread_id": "thread_abc123", "run_id": "run_abc123",
    "assistant_id": "asst_abc123", "message_id": "msg_abc123",
}


def check_id(params: t.Mapping[str, t.Any], option: str, example: str | None = None) -> None:
    """Ids go into URL paths: only characters that cannot change the endpoint are accepted."""
    value = params.get(option)
    if value is None:
        return
    if not isinstance(value, str) or not is_valid_id(value):
        example = example or ID_EXAMPLES.get(option, "thread_abc123")
        raise OptionError(
            f"{option} must be an id made of letters, digits, '_', '-', '.' or ':' (starting with a letter or digit), "
            f"such as {example}; got {value!r}."
        )


def check_ids(params: t.Mapping[str, t.Any], options: t.Iterable[str | tuple[str, str]]) -> None:
    """Each option, or (option, example id) for one whose kind depends on the module (a paging cursor)."""
    for option in options:
        if isinstance(option, tuple):
            check_id(params, *option)
        else:
            check_id(params, option)


# ---- run options ---------------------------------------------------------------------------------

TOOL_TYPES = ("code_interpreter", "file_search", "function")
MAX_TOOLS = 20  # on a run
MAX_ASSISTANT_TOOLS = 128
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
MIN_TOKENS = 256
TOOL_RESOURCE_KINDS = ("code_interpreter", "file_search")
MAX_CODE_INTERPRETER_FILES = 20
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
TOOL_CHOICES = ("none", "auto", "required")
MESSAGE_ROLES = ("user", "assistant")
CONTENT_PART_TYPES = ("text", "image_file", "image_url")
_FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def run_argument_spec() -> dict[str, dict[str, t.Any]]:
    """Options both run modules take (documented in the llmops.assistants.run fragment)."""
    return {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "thread_id": {"type": "str"},
        "run_id": {"type": "str"},
        "assistant_id": {"type": "str"},
        "model": {"type": "str"},
        "instructions": {"type": "str"},
        "tools": {"type": "list", "elements": "dict"},
        "metadata": {"type": "dict"},
        "temperature": {"type": "float"},
        "top_p": {"type": "float"},
        "max_prompt_tokens": {"type": "int", "no_log": False},
        "max_completion_tokens": {"type": "int", "aliases": ["max_tokens"], "no_log": False},
        "truncation_strategy": {"type": "dict"},
        "tool_choice": {"type": "raw"},
        "parallel_tool_calls": {"type": "bool"},
        "response_format": {"type": "raw"},
        "stream": {"type": "bool", "default": True},
        "wait": {"type": "bool", "default": True},
        "wait_timeout": {"type": "float", "default": 600.0},
        "completion_window": {"type": "float"},
        "poll_interval_max": {"type": "float", "default": 2.0},
        "cancel_on_timeout": {"type": "bool", "default": False},
        "tool_outputs": {"type": "list", "elements": "dict"},
        "idempotency_key": {"type": "str", "no_log": False},
        "on_active_run": {"type": "str", "default": "fail", "choices": ["fail", "wait", "cancel"]},
    }


RUN_MUTUALLY_EXCLUSIVE = [("wait_timeout", "completion_window")]


def check_run_options(params: t.Mapping[str, t.Any]) -> None:
    """Range and shape checks shared by openai_run and openai_thread_run."""
    check_range(params, "temperature", minimum=0, maximum=2)
    check_range(params, "top_p", minimum=0, maximum=1)
    check_range(params, "max_prompt_tokens", minimum=MIN_TOKENS)
    check_range(params, "max_completion_tokens", minimum=MIN_TOKENS)
    check_range(params, "wait_timeout", minimum=0, maximum=86400)
    check_range(params, "completion_window", minimum=0, maximum=86400)
    check_range(params, "poll_interval_max", minimum=0.05, maximum=60)
    check_truncation_strategy(params.get("truncation_strategy"))
    check_tool_choice(params.get("tool_choice"))
    check_idempotency_key(params)
    check_tool_outputs(params.get("tool_outputs"))


def check_idempotency_key(params: t.Mapping[str, t.Any]) -> None:
    """The key is kept as a metadata value: 1 to 512 characters."""
    key = params.get("idempotency_key")
    if key is not None and not 1 <= len(key) <= MAX_METADATA_VALUE:
        raise OptionError(f"idempotency_key must be 1 to {MAX_METADATA_VALUE} characters long; got {len(key)}.")


def check_truncation_strategy(value: t.Any) -> None:
    if value is None:
        return
    kind = value.get("type")
    if kind not in ("auto", "last_messages"):
        raise OptionError(f"truncation_strategy.type must be one of auto, last_messages; got {kind!r}.")
    unknown = sorted(set(value) - {"type", "last_messages"})
    if unknown:
        raise OptionError(f"truncation_strategy accepts only type and last_messages; unknown: {', '.join(unknown)}.")
    last = value.get("last_messages")
    if kind == "last_messages" and (not isinstance(last, int) or isinstance(last, bool) or last < 1):
        raise OptionError(f"truncation_strategy.last_messages must be a whole number of at least 1; got {last!r}.")


def check_tool_choice(value: t.Any) -> None:
    if value is None or value in TOOL_CHOICES:
        return
    if isinstance(value, dict) and value.get("type") in TOOL_TYPES:
        if value["type"] != "function":
            return
        name = (value.get("function") or {}).get("name")
        if isinstance(name, str) and _FUNCTION_NAME.match(name):
            return
        raise OptionError(f"tool_choice.function.name must match ^[a-zA-Z0-9_-]{{1,64}}$; got {name!r}.")
    raise OptionError(
        f"tool_choice must be one of {', '.join(TOOL_CHOICES)}, or a dict such as "
        f"{{type: function, function: {{name: my_function}}}} with type one of {', '.join(TOOL_TYPES)}; got {value!r}."
    )


def normalize_response_format(value: t.Any) -> t.Any:
    """auto, a type name as shorthand, or the API's object."""
    if value is None or value == "auto":
        return value
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict) or value.get("type") not in RESPONSE_FORMAT_TYPES:
        raise OptionError(
            f"response_format must be auto, one of {', '.join(RESPONSE_FORMAT_TYPES)}, or a dict with such a type; got {value!r}."
        )
    if value["type"] == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("name"), str):
            raise OptionError("response_format of type json_schema needs json_schema with at least a name.")
    return value


def check_metadata(value: t.Any, option: str = "metadata", reserved: int = 0) -> None:
    """At most 16 pairs (counting the module's own keys), keys <= 64 and values <= 512 characters, strings only."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise OptionError(f"{option} must be a dict of strings; got {type(value).__name__}.")
    limit = MAX_METADATA_PAIRS - reserved
    if len(value) > limit:
        extra = f" (the module keeps {reserved} of the 16 for itself)" if reserved else ""
        raise OptionError(f"{option} may hold at most {limit} pairs{extra}; got {len(value)}.")
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_METADATA_KEY:
            raise OptionError(f"{option} keys must be strings of 1 to {MAX_METADATA_KEY} characters; got {key!r}.")
        if not isinstance(item, str):
            raise OptionError(
                f"{option}.{key} must be a string (quote it in YAML); got {type(item).__name__} {item!r}."
            )
        if len(item) > MAX_METADATA_VALUE:
            raise OptionError(f"{option}.{key} must be at most {MAX_METADATA_VALUE} characters; got {len(item)}.")


def normalize_tools(
    tools: t.Any, warn: t.Callable[[str], None], option: str = "tools", limit: int = MAX_TOOLS
) -> list[dict[str, t.Any]] | None:
    """Check the tools and bring v1 forms to v2: retrieval becomes file_search, JSON-string parameters a dict."""
    if tools is None:
        return None
    if len(tools) > limit:
        raise OptionError(f"{option} may hold at most {limit} tools; got {len(tools)}.")
    result = []
    for index, tool in enumerate(tools):
        where = f"{option}[{index}]"
        tool = dict(tool)
        kind = tool.get("type")
        if kind == "retrieval":
            warn(f"{where}: the tool type retrieval is from Assistants API v1; it is sent as file_search, its v2 name.")
            kind = tool["type"] = "file_search"
        if kind not in TOOL_TYPES:
            raise OptionError(f"{where}.type must be one of {', '.join(TOOL_TYPES)} (or retrieval, sent as file_search); got {kind!r}.")
        if kind == "function":
            tool["function"] = _normalize_function(tool.get("function"), f"{where}.function")
        elif "function" in tool:
            raise OptionError(f"{where}.function is only allowed when type is function.")
        result.append(tool)
    return result


def _normalize_function(function: t.Any, where: str) -> dict[str, t.Any]:
    if not isinstance(function, dict):
        raise OptionError(f"{where} is required for a function tool: a dict with name, description and parameters.")
    function = dict(function)
    name = function.get("name")
    if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
        raise OptionError(f"{where}.name must match ^[a-zA-Z0-9_-]{{1,64}}$ (letters, digits, _ and -); got {name!r}.")
    parameters = function.get("parameters")
    if isinstance(parameters, str):
        try:
            parameters = json.loads(parameters)
        except ValueError as exc:
            raise OptionError(f"{where}.parameters is a string but not valid JSON: {exc}.") from None
        function["parameters"] = parameters
    if parameters is not None and not isinstance(parameters, dict):
        raise OptionError(f"{where}.parameters must be a JSON Schema object (a dict, or a JSON string of one).")
    unknown = sorted(set(function) - {"name", "description", "parameters", "strict"})
    if unknown:
        raise OptionError(f"{where} accepts name, description, parameters and strict; unknown: {', '.join(unknown)}.")
    return function


def check_tool_outputs(value: t.Any) -> None:
    if value is None:
        return
    if not value:
        raise OptionError("tool_outputs must list at least one {tool_call_id, output}.")
    seen = set()
    for index, item in enumerate(value):
        call_id = item.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise OptionError(f"tool_outputs[{index}].tool_call_id is required (a string from run.required_action).")
        if call_id in seen:
            raise OptionError(f"tool_outputs answers tool_call_id {call_id} twice.")
        seen.add(call_id)
        if not isinstance(item.get("output"), str):
            raise OptionError(f"tool_outputs[{index}].output must be a string (use to_json for structured output).")
        unknown = sorted(set(item) - {"tool_call_id", "output"})
        if unknown:
            raise OptionError(f"tool_outputs[{index}] accepts tool_call_id and output; unknown: {', '.join(unknown)}.")


def normalize_messages(messages: t.Any, warn: t.Callable[[str], None], option: str) -> list[dict[str, t.Any]] | None:
    """Messages to add to a thread; v1 attachments ({file_id}) gain the v2 tools list."""
    if messages is None:
        return None
    result = []
    for index, message in enumerate(messages):
        where = f"{option}[{index}]"
        if not isinstance(message, dict):
            raise OptionError(f"{where} must be a dict with role and content.")
        unknown = sorted(set(message) - {"role", "content", "attachments", "metadata"})
        if unknown:
            raise OptionError(f"{where} accepts role, content, attachments and metadata; unknown: {', '.join(unknown)}.")
        result.append(normalize_message(message, warn, f"{where}."))
    return result


def normalize_message(message: t.Mapping[str, t.Any], warn: t.Callable[[str], None], prefix: str = "") -> dict[str, t.Any]:
    """One message's role, content, attachments and metadata, checked; `prefix` + field names the option."""
    message = dict(message)
    if message.get("role") not in MESSAGE_ROLES:
        raise OptionError(f"{prefix}role must be one of {', '.join(MESSAGE_ROLES)}; got {message.get('role')!r}.")
    content = message.get("content")
    if not (isinstance(content, str) and content) and not (isinstance(content, list) and content):
        raise OptionError(f"{prefix}content must be a non-empty string or a non-empty list of content parts; got {type(content).__name__} {content!r}.")
    if isinstance(content, list):
        for pos, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") not in CONTENT_PART_TYPES:
                raise OptionError(f"{prefix}content[{pos}] must be a dict whose type is one of {', '.join(CONTENT_PART_TYPES)}; got {part!r}.")
    check_metadata(message.get("metadata"), f"{prefix}metadata")
    attachments = message.get("attachments")
    if attachments is not None:
        message["attachments"] = [_normalize_attachment(item, f"{prefix}attachments[{pos}]", warn) for pos, item in enumerate(attachments)]
    return message


def _normalize_attachment(item: t.Any, where: str, warn: t.Callable[[str], None]) -> dict[str, t.Any]:
    if not isinstance(item, dict) or not isinstance(item.get("file_id"), str) or not item["file_id"]:
        raise OptionError(f"{where} must be a dict with a file_id.")
    if "tools" not in item:
        warn(f"{where}: an attachment without tools is the v1 form; it is sent with tools [file_search].")
        return {"file_id": item["file_id"], "tools": [{"type": "file_search"}]}
    return item


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
