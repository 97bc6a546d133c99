# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by the modules, and the checks Ansible's own types cannot express.

Private to llmops.assistants: not a public API, it may change in any release.
Every check here runs before any request is sent; a failure names the option and what is allowed.
"""

from __future__ import annotations

import json
import math
import os
import re
import ssl
import typing as t
from urllib.parse import urlsplit

from ansible.module_utils.common.parameters import env_fallback

from ._auth import AUTH_TYPES, check_credentials
from ._client import DEFAULT_API_BASE, is_valid_id
from ._errors import OptionError
from ._idempotency import IDEMPOTENCY_METADATA_KEY, THREAD_OWNER_METADATA_KEY


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


# Connection options whose empty value counts as not set (see unset_empty_options); an empty api_base fails instead.
_EMPTY_IS_UNSET = ("api_key", "azure_ad_token", "organization", "project", "api_version")


def unset_empty_options(params: t.MutableMapping[str, t.Any]) -> list[str]:
    """An empty value (what an unset lookup in module_defaults gives) counts as not set, so its environment variable
    applies, as Ansible applies it to an option that is not set at all. Returns the secrets taken from the
    environment here, which Ansible did not see and so does not mask yet."""
    spec = connection_argument_spec()
    secrets = []
    for option in _EMPTY_IS_UNSET:
        value = params.get(option)
        if not isinstance(value, str) or value.strip():
            continue
        params[option] = next((os.environ[name] for name in spec[option]["fallback"][1] if os.environ.get(name)), None)
        if params[option] is not None and spec[option].get("no_log"):
            secrets.append(params[option])
    return secrets


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
    check_ca_bundle(params)


def check_ca_bundle(params: t.Mapping[str, t.Any]) -> None:
    """The CA bundle requests would load: ca_path, else REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (as requests reads them).
    Checked here, since requests raises a bare OSError for a missing one, naming neither the option nor the file."""
    if params.get("validate_certs") is False or urlsplit(params.get("api_base") or "").scheme != "https":
        return  # requests loads no bundle for http://
    option, path = "ca_path", params.get("ca_path")
    if not path:
        option, path = next(((name, os.environ[name]) for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if os.environ.get(name)), ("", ""))
    if not path or os.path.isdir(path):  # requests takes a directory of hashed certificates as it is
        return
    if not os.path.isfile(path):
        source = "" if option == "ca_path" else " (set it to a CA bundle, or set ca_path, which wins over it)"
        raise OptionError(f"{option} {path!r} does not exist or is not a file: give the path of a CA bundle (PEM){source}.")
    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise OptionError(f"{option} {path!r} is not a CA bundle that can be read (PEM certificates): {exc}.") from None


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
        "additional_instructions": {"type": "str"},
        "additional_messages": {"type": "list", "elements": "dict"},
        "reasoning_effort": {"type": "str", "choices": list(REASONING_EFFORTS)},
    }


RUN_MUTUALLY_EXCLUSIVE = [("wait_timeout", "completion_window")]


def check_completion_window(params: t.Mapping[str, t.Any]) -> None:
    """completion_window means waiting, so wait=false contradicts it, as wait_timeout would (RUN_MUTUALLY_EXCLUSIVE)."""
    if params.get("completion_window") is not None and params.get("wait") is False:
        raise OptionError(
            "parameters are mutually exclusive: completion_window|wait=false (completion_window waits up to that many "
            "seconds for the run; leave it out with wait=false)."
        )


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
    check_shape(value, "truncation_strategy", "truncation_strategy")
    kind = value.get("type")
    last = value.get("last_messages")
    if kind == "last_messages" and (not isinstance(last, int) or isinstance(last, bool) or last < 1):
        raise OptionError(f"truncation_strategy.last_messages must be a whole number of at least 1; got {last!r}.")


def check_tool_choice(value: t.Any) -> None:
    if value is None or value in TOOL_CHOICES:
        return
    if isinstance(value, dict) and value.get("type") in TOOL_TYPES:
        check_shape(value, "tool_choice", "tool_choice")
        if value["type"] != "function":
            if "function" in value:
                raise OptionError("tool_choice.function is only allowed when tool_choice.type is function.")
            return
        if value.get("function") is None:
            raise OptionError("tool_choice.function is required when tool_choice.type is function: a dict such as {name: my_function}.")
        name = value["function"]["name"]
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
    check_shape(value, f"response_format.{value['type']}", "response_format")
    return value


# The metadata keys the collection keeps for itself, and why a user's value there would break a promise.
RESERVED_METADATA_KEYS = {
    IDEMPOTENCY_METADATA_KEY: "the idempotency key of the runs and messages it creates (set the idempotency_key option instead)",
    THREAD_OWNER_METADATA_KEY: "the mark of a thread openai_thread_run created, which its state=absent deletes",
}


def check_metadata(value: t.Any, option: str = "metadata", reserved: int = 0) -> None:
    """At most 16 pairs (counting the module's own keys), keys <= 64 and values <= 512 characters, strings only;
    none of the collection's own keys, on any object, so that no task can pass for another's."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise OptionError(f"{option} must be a dict of strings; got {type(value).__name__}.")
    for key, why in RESERVED_METADATA_KEYS.items():
        if key in value:
            raise OptionError(f"{option}.{key} is reserved: the collection keeps {why} there. Use another key.")
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
        check_shape(tool, f"tool.{kind}", where)
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
        check_shape(item, "tool_output", f"tool_outputs[{index}]")


def normalize_messages(messages: t.Any, warn: t.Callable[[str], None], option: str) -> list[dict[str, t.Any]] | None:
    """Messages to add to a thread; v1 attachments ({file_id}) gain the v2 tools list."""
    if messages is None:
        return None
    result = []
    for index, message in enumerate(messages):
        where = f"{option}[{index}]"
        if not isinstance(message, dict):
            raise OptionError(f"{where} must be a dict with role and content.")
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
    if isinstance(attachments, list):
        message["attachments"] = [_normalize_attachment(item, f"{prefix}attachments[{pos}]", warn) for pos, item in enumerate(attachments)]
    check_shape(message, "message", prefix[:-1])
    return message


def _normalize_attachment(item: t.Any, where: str, warn: t.Callable[[str], None]) -> dict[str, t.Any]:
    if not isinstance(item, dict) or not isinstance(item.get("file_id"), str) or not item["file_id"]:
        raise OptionError(f"{where} must be a dict with a file_id.")
    if "tools" not in item:
        warn(f"{where}: an attachment without tools is the v1 form; it is sent with tools [file_search].")
        return {"file_id": item["file_id"], "tools": [{"type": "file_search"}]}
    return item


def check_tool_resources(value: t.Any, option: str = "tool_resources", shape: str = "tool_resources") -> None:
    """The shape the API takes; file_search.vector_stores (make a vector store) is allowed, see comparable_tool_resources.
    shape is run.tool_resources for a thread-run's run, which takes no vector_stores."""
    if value is None:
        return
    check_shape(value, shape, option)
    search = value.get("file_search") or {}
    if search.get("vector_stores") and search.get("vector_store_ids"):
        raise OptionError(f"{option}.file_search takes vector_store_ids or vector_stores, not both.")


# ---- nested shapes -------------------------------------------------------------------------------
# Every nested object the modules send, as the official request schema defines it (the copy in
# tools/assistants_server/openapi/assistants-runs.oas31.yaml): the keys it takes, what each holds, and which are
# required. check_shape checks a value against it before any request, naming the path (tools[0].function.strict).
# tests/unit/plugins/module_utils/test_shapes.py compares each shape with the schema, so a drift is caught.

class Shape(t.NamedTuple):
    title: str  # what the object is, for messages
    schema: tuple[str, ...]  # where the schema defines it: "/"-separated paths under components/schemas
    fields: dict[str, t.Any]  # key -> what its value must be (see _check_value)
    required: tuple[str, ...] = ()
    stricter: tuple[str, ...] = ()  # required here though the schema leaves them optional; why, in the table


class ListOf(t.NamedTuple):
    item: t.Any
    most: int | None = None
    least: int = 0


class ByType(t.NamedTuple):
    """A dict whose `type` picks its shape (a oneOf of the schema)."""

    shapes: dict[str, str]


class Number(t.NamedTuple):
    kind: type  # int: a whole number; float: any number
    minimum: float | None = None
    maximum: float | None = None


class AnyOf(t.NamedTuple):
    kinds: tuple[t.Any, ...]
    described: str


METADATA = "metadata"  # a metadata map: check_metadata
NON_EMPTY = "non-empty string"
IDS = ListOf(NON_EMPTY)
DETAIL = ("auto", "low", "high")
_TOOL_RESOURCES = "CreateAssistantRequest/properties/tool_resources/anyOf/0"
_THREAD_TOOL_RESOURCES = "CreateThreadRequest/properties/tool_resources/anyOf/0"
_VECTOR_STORE = f"{_TOOL_RESOURCES}/properties/file_search/properties/vector_stores/items"
_CHUNKING = f"{_VECTOR_STORE}/properties/chunking_strategy/oneOf"

SHAPES: dict[str, Shape] = {
    # tools (runs and assistants)
    "tool.code_interpreter": Shape("a code_interpreter tool", ("AssistantToolsCode",), {"type": str}, ("type",)),
    "tool.file_search": Shape(
        "a file_search tool", ("AssistantToolsFileSearch",), {"type": str, "file_search": "file_search"}, ("type",)),
    "file_search": Shape(
        "the file_search overrides", ("AssistantToolsFileSearch/properties/file_search",),
        {"max_num_results": Number(int, 1, 50), "ranking_options": "ranking_options"}),
    "ranking_options": Shape(
        "the ranking options", ("FileSearchRankingOptions",),
        {"ranker": ("auto", "default_2024_08_21"), "score_threshold": Number(float, 0, 1)}, ("score_threshold",)),
    "tool.function": Shape("a function tool", ("AssistantToolsFunction",), {"type": str, "function": "function"}, ("type", "function")),
    "function": Shape(
        "a function", ("FunctionObject",), {"description": str, "name": str, "parameters": dict, "strict": bool}, ("name",)),
    # tool_choice, response_format, truncation_strategy
    "tool_choice": Shape(
        "a named tool choice", ("AssistantsNamedToolChoice",), {"type": TOOL_TYPES, "function": "tool_choice.function"}, ("type",)),
    "tool_choice.function": Shape("the function to call", ("AssistantsNamedToolChoice/properties/function",), {"name": str}, ("name",)),
    "response_format.text": Shape("a text response format", ("ResponseFormatText",), {"type": str}, ("type",)),
    "response_format.json_object": Shape("a json_object response format", ("ResponseFormatJsonObject",), {"type": str}, ("type",)),
    "response_format.json_schema": Shape(
        "a json_schema response format", ("ResponseFormatJsonSchema",), {"type": str, "json_schema": "json_schema"},
        ("type", "json_schema")),
    # The schema requires only name; the hosted API refused a json_schema without schema, so it is required here too.
    "json_schema": Shape(
        "a JSON schema format", ("ResponseFormatJsonSchema/properties/json_schema",),
        {"description": str, "name": str, "schema": dict, "strict": bool}, ("name", "schema"), stricter=("schema",)),
    "truncation_strategy": Shape(
        "a truncation strategy", ("TruncationObject",), {"type": ("auto", "last_messages"), "last_messages": Number(int, 1)}, ("type",)),
    # messages (additional_messages, thread messages, openai_message) and their parts
    "message": Shape(
        "a message", ("CreateMessageRequest",),
        {"role": MESSAGE_ROLES,
         "content": AnyOf((NON_EMPTY, ListOf(ByType({kind: f"content.{kind}" for kind in CONTENT_PART_TYPES}), least=1)),
                          "a non-empty string or a non-empty list of content parts"),
         "attachments": ListOf("attachment"), "metadata": METADATA},
        ("role", "content")),
    "content.text": Shape("a text part", ("MessageRequestContentTextObject",), {"type": str, "text": str}, ("type", "text")),
    "content.image_file": Shape(
        "an image_file part", ("MessageContentImageFileObject",), {"type": str, "image_file": "image_file"}, ("type", "image_file")),
    "image_file": Shape(
        "an image file", ("MessageContentImageFileObject/properties/image_file",), {"file_id": NON_EMPTY, "detail": DETAIL}, ("file_id",)),
    "content.image_url": Shape(
        "an image_url part", ("MessageContentImageUrlObject",), {"type": str, "image_url": "image_url"}, ("type", "image_url")),
    "image_url": Shape(
        "an image URL", ("MessageContentImageUrlObject/properties/image_url",), {"url": NON_EMPTY, "detail": DETAIL}, ("url",)),
    # An attachment without tools (the v1 form) gets [file_search] before this check (normalize_message).
    "attachment": Shape(
        "an attachment", ("CreateMessageRequest/properties/attachments/anyOf/0",),
        {"file_id": NON_EMPTY, "tools": ListOf(ByType({"code_interpreter": "attachment.code_interpreter", "file_search": "attachment.file_search"}))},
        ("file_id", "tools")),
    "attachment.code_interpreter": Shape("a code_interpreter tool", ("AssistantToolsCode",), {"type": str}, ("type",)),
    "attachment.file_search": Shape("a file_search tool", ("AssistantToolsFileSearchTypeOnly",), {"type": str}, ("type",)),
    # tool_resources of assistants and threads (with the vector store helper), and of a thread-run's run (without)
    "tool_resources": Shape(
        "tool resources", (_TOOL_RESOURCES, _THREAD_TOOL_RESOURCES),
        {"code_interpreter": "tool_resources.code_interpreter", "file_search": "tool_resources.file_search"}),
    "tool_resources.code_interpreter": Shape(
        "the code_interpreter resources", (f"{_TOOL_RESOURCES}/properties/code_interpreter", f"{_THREAD_TOOL_RESOURCES}/properties/code_interpreter"),
        {"file_ids": ListOf(NON_EMPTY, MAX_CODE_INTERPRETER_FILES)}),
    "tool_resources.file_search": Shape(
        "the file_search resources", (f"{_TOOL_RESOURCES}/properties/file_search", f"{_THREAD_TOOL_RESOURCES}/properties/file_search"),
        {"vector_store_ids": ListOf(NON_EMPTY, 1), "vector_stores": ListOf("vector_store", 1)}),
    "vector_store": Shape(
        "a vector store to create", (_VECTOR_STORE,),
        {"file_ids": IDS, "chunking_strategy": ByType({"auto": "chunking.auto", "static": "chunking.static"}), "metadata": METADATA}),
    "chunking.auto": Shape("the auto chunking strategy", (f"{_CHUNKING}/0",), {"type": str}, ("type",)),
    "chunking.static": Shape("the static chunking strategy", (f"{_CHUNKING}/1",), {"type": str, "static": "chunking.static.static"}, ("type", "static")),
    "chunking.static.static": Shape(
        "the static chunk sizes", (f"{_CHUNKING}/1/properties/static",),
        {"max_chunk_size_tokens": Number(int, 100, 4096), "chunk_overlap_tokens": Number(int, 0)},
        ("max_chunk_size_tokens", "chunk_overlap_tokens")),
    "run.tool_resources": Shape(
        "tool resources", ("CreateThreadAndRunRequest/properties/tool_resources",),
        {"code_interpreter": "tool_resources.code_interpreter", "file_search": "run.tool_resources.file_search"}),
    "run.tool_resources.file_search": Shape(
        "the file_search resources", ("CreateThreadAndRunRequest/properties/tool_resources/properties/file_search",),
        {"vector_store_ids": ListOf(NON_EMPTY, 1)}),
    # openai_thread_run's thread, and the answers to tool calls
    "thread": Shape(
        "a thread", ("CreateThreadRequest",), {"messages": ListOf("message"), "tool_resources": "tool_resources", "metadata": METADATA}),
    # The schema requires neither; an answer needs both to say which call it answers and with what.
    "tool_output": Shape(
        "a tool output", ("SubmitToolOutputsRunRequest/properties/tool_outputs/items",), {"tool_call_id": NON_EMPTY, "output": str},
        ("tool_call_id", "output"), stricter=("tool_call_id", "output")),
}


def check_shape(value: t.Any, shape: str, where: str) -> None:
    """Raise OptionError naming the path (where.key) of the first value that does not fit SHAPES[shape]."""
    _check_value(value, shape, where)


def _names(items: t.Iterable[str]) -> str:
    items = list(items)
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])} and {items[-1]}"


def _got(value: t.Any) -> str:
    return f"got {type(value).__name__} {value!r}"


def _is_enum(kind: t.Any) -> bool:
    """A plain tuple of strings is an enum; the NamedTuple kinds above are tuples too, but have _fields."""
    return isinstance(kind, tuple) and not hasattr(kind, "_fields")


def _describe(kind: t.Any) -> str:
    if isinstance(kind, str):
        if kind == NON_EMPTY:
            return "a non-empty string"
        if kind == METADATA:
            return "a dict of strings"
        shape = SHAPES[kind]
        return f"a dict ({shape.title}) with {_names(shape.fields)}"
    if _is_enum(kind):
        return f"one of {', '.join(kind)}"
    if isinstance(kind, ListOf):
        if kind.item == NON_EMPTY:
            return "a list of IDs (strings)"
        return f"a list of {_describe(kind.item).replace('a dict', 'dicts', 1)}"
    if isinstance(kind, ByType):
        return f"a dict whose type is one of {', '.join(kind.shapes)}"
    if isinstance(kind, AnyOf):
        return kind.described
    if isinstance(kind, Number):
        what = "a whole number" if kind.kind is int else "a number"
        if kind.minimum is not None and kind.maximum is not None:
            return f"{what} between {kind.minimum:g} and {kind.maximum:g}"
        return f"{what} of at least {kind.minimum:g}" if kind.minimum is not None else what
    return {str: "a string", bool: "true or false (a boolean, not a string)", dict: "a dict"}[kind]


def _fits(value: t.Any, kind: t.Any) -> bool:
    """Whether a value has the kind's type (the checks inside a dict or list are _check_value's)."""
    if kind == NON_EMPTY:
        return isinstance(value, str) and bool(value)
    if isinstance(kind, str) or kind is dict or isinstance(kind, ByType):
        return isinstance(value, dict)
    if _is_enum(kind):
        return isinstance(value, str) and value in kind
    if isinstance(kind, ListOf):
        return isinstance(value, list) and kind.least <= len(value)
    if isinstance(kind, AnyOf):
        return any(_fits(value, option) for option in kind.kinds)
    if isinstance(kind, Number):
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind.kind is float else int):
            return False
        return (kind.minimum is None or value >= kind.minimum) and (kind.maximum is None or value <= kind.maximum)
    return isinstance(value, kind)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _check_value(value: t.Any, kind: t.Any, where: str) -> None:
    if kind == METADATA:
        check_metadata(value, where)
        return
    if isinstance(kind, AnyOf):
        fitting = [option for option in kind.kinds if _fits(value, option)]
        if not fitting:
            raise OptionError(f"{where} must be {kind.described}; {_got(value)}.")
        _check_value(value, fitting[0], where)
        return
    if not _fits(value, kind):
        if isinstance(kind, ListOf) and isinstance(value, list) and len(value) < kind.least:
            raise OptionError(f"{where} must not be empty: it must be {_describe(kind)}.")
        raise OptionError(f"{where} must be {_describe(kind)}; {_got(value)}.")
    if isinstance(kind, ListOf):
        if kind.most is not None and len(value) > kind.most:
            raise OptionError(f"{where} may hold at most {kind.most}; got {len(value)}.")
        for index, item in enumerate(value):
            _check_value(item, kind.item, f"{where}[{index}]")
    elif isinstance(kind, ByType):
        if value.get("type") not in kind.shapes:
            raise OptionError(f"{where} must be {_describe(kind)}; got {value!r}.")
        _check_value(value, kind.shapes[value["type"]], where)
    elif isinstance(kind, str) and kind in SHAPES:
        shape = SHAPES[kind]
        unknown = sorted(set(value) - set(shape.fields), key=str)
        if unknown:
            raise OptionError(
                f"{where or 'it'} ({shape.title}) accepts {_names(shape.fields)}; unknown: {', '.join(_join(where, key) for key in unknown)}."
            )
        for key in shape.required:
            if value.get(key) is None:
                raise OptionError(f"{_join(where, key)} is required for {shape.title}: it must be {_describe(shape.fields[key])}.")
        for key, item in value.items():
            if item is not None or key in shape.required:
                _check_value(item, shape.fields[key], _join(where, key))
