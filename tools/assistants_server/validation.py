# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request body checks, mirroring the request schemas of the official OpenAPI document.

The standard library has no YAML or JSON Schema support, so the request schemas are restated here as
small dict specs and checked by one walker that words its errors like the hosted API.
"""

from __future__ import annotations

import re
from typing import Any

from assistants_server.errors import ApiError, bad_request

Spec = dict[str, Any]

FUNCTION_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
METADATA_MAX_PAIRS = 16
METADATA_KEY_MAX = 64
METADATA_VALUE_MAX = 512


# ---- spec constructors -------------------------------------------------------------------------

def string(*, nullable: bool = False, enum: list[str] | None = None, max_length: int | None = None, pattern: str | None = None) -> Spec:
    return {"type": "string", "nullable": nullable, "enum": enum, "max_length": max_length, "pattern": re.compile(pattern) if pattern else None}


def number(*, nullable: bool = False, minimum: float | None = None, maximum: float | None = None) -> Spec:
    return {"type": "number", "nullable": nullable, "minimum": minimum, "maximum": maximum}


def integer(*, nullable: bool = False, minimum: int | None = None, maximum: int | None = None) -> Spec:
    return {"type": "integer", "nullable": nullable, "minimum": minimum, "maximum": maximum}


def boolean(*, nullable: bool = False) -> Spec:
    return {"type": "boolean", "nullable": nullable}


def obj(properties: dict[str, Spec] | None = None, *, required: tuple[str, ...] = (), nullable: bool = False, free: bool = False) -> Spec:
    """An object; unknown keys are rejected unless `free` (free-form objects such as JSON schemas)."""
    return {"type": "object", "properties": properties or {}, "required": required, "nullable": nullable, "free": free}


def array(items: Spec, *, nullable: bool = False, min_items: int | None = None, max_items: int | None = None) -> Spec:
    return {"type": "array", "items": items, "nullable": nullable, "min_items": min_items, "max_items": max_items}


def tagged(variants: dict[str, Spec], *, nullable: bool = False) -> Spec:
    """oneOf objects told apart by their `type` key."""
    return {"type": "tagged", "variants": variants, "nullable": nullable}


def any_of(options: list[Spec], *, nullable: bool = False) -> Spec:
    """oneOf alternatives of different JSON kinds (e.g. a string or an array)."""
    return {"type": "any_of", "options": options, "nullable": nullable}


def metadata() -> Spec:
    return {"type": "metadata", "nullable": True}


# ---- the walker ----------------------------------------------------------------------------------

_EXPECTED = {"string": "a string", "number": "a decimal", "integer": "an integer", "boolean": "a boolean",
             "object": "an object", "array": "an array", "tagged": "an object", "metadata": "an object"}


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_GOT = {"null": "null", "boolean": "a boolean", "integer": "an integer", "number": "a decimal", "string": "a string",
        "array": "an array", "object": "an object"}


def _kind_matches(spec_type: str, kind: str) -> bool:
    if spec_type == "number":
        return kind in ("number", "integer")
    if spec_type in ("tagged", "metadata"):
        return kind == "object"
    return spec_type == kind


def _type_error(path: str, expected: str, value: Any) -> ApiError:
    return bad_request(f"Invalid type for '{path}': expected {expected}, but got {_GOT[json_kind(value)]} instead.", param=path, code="invalid_type")


def _quote_list(values: list[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check(spec: Spec, value: Any, path: str) -> None:
    """Raise ApiError (400) naming `path` when `value` does not satisfy `spec`."""
    if value is None:
        if spec.get("nullable"):
            return
        if spec["type"] == "any_of":
            raise _type_error(path, " or ".join(_EXPECTED[o["type"]] for o in spec["options"]), value)
        raise _type_error(path, _EXPECTED[spec["type"]], value)
    kind = json_kind(value)
    spec_type = spec["type"]
    if spec_type == "any_of":
        for option in spec["options"]:
            if _kind_matches(option["type"], kind):
                check(option, value, path)
                return
        raise _type_error(path, " or ".join(_EXPECTED[o["type"]] for o in spec["options"]), value)
    if not _kind_matches(spec_type, kind):
        raise _type_error(path, _EXPECTED[spec_type], value)
    checker = _CHECKERS[spec_type]
    checker(spec, value, path)


def _check_string(spec: Spec, value: str, path: str) -> None:
    if spec["enum"] is not None and value not in spec["enum"]:
        raise bad_request(f"Invalid value: '{value}'. Supported values are: {_quote_list(spec['enum'])}.", param=path, code="invalid_value")
    if spec["max_length"] is not None and len(value) > spec["max_length"]:
        raise bad_request(
            f"Invalid '{path}': string too long. Expected a string with maximum length {spec['max_length']}, "
            f"but got a string with length {len(value)} instead.",
            param=path, code="string_above_max_length")
    if spec["pattern"] is not None and not spec["pattern"].match(value):
        raise bad_request(
            f"Invalid '{path}': string does not match pattern. Expected a string that matches the pattern '{spec['pattern'].pattern}', but got '{value}'.",
            param=path, code="invalid_value")


def _check_range(spec: Spec, value: float, path: str) -> None:
    low, high = spec["minimum"], spec["maximum"]
    prefix = "integer" if spec["type"] == "integer" else "decimal"
    if (low is not None and value < low) or (high is not None and value > high):
        code = f"{prefix}_below_min_value" if low is not None and value < low else f"{prefix}_above_max_value"
        if low is not None and high is not None:
            message = f"Invalid value for '{path}': must be between {_fmt_num(low)} and {_fmt_num(high)}."
        elif low is not None:
            message = f"Invalid value for '{path}': must be at least {_fmt_num(low)}."
        else:
            message = f"Invalid value for '{path}': must be at most {_fmt_num(high)}."
        raise bad_request(message, param=path, code=code)


def _check_object(spec: Spec, value: dict[str, Any], path: str) -> None:
    properties = spec["properties"]
    if not spec["free"]:
        unknown = [key for key in value if key not in properties]
        if unknown:
            names = ", ".join(_join(path, key) for key in unknown)
            noun = "argument" if len(unknown) == 1 else "arguments"
            raise bad_request(f"Unrecognized request {noun} supplied: {names}", param=_join(path, unknown[0]), code="unknown_parameter")
    for key in spec["required"]:
        if key not in value:
            raise bad_request(f"Missing required parameter: '{_join(path, key)}'.", param=_join(path, key), code="missing_required_parameter")
    for key, item in value.items():
        if key in properties:
            check(properties[key], item, _join(path, key))


def _check_array(spec: Spec, value: list[Any], path: str) -> None:
    if spec["min_items"] is not None and len(value) < spec["min_items"]:
        raise bad_request(
            f"Invalid '{path}': empty array. Expected an array with minimum length {spec['min_items']}, but got an empty array instead.",
            param=path, code="empty_array")
    if spec["max_items"] is not None and len(value) > spec["max_items"]:
        raise bad_request(
            f"Invalid '{path}': array too long. Expected an array with maximum length {spec['max_items']}, but got an array with length {len(value)} instead.",
            param=path, code="array_above_max_length")
    for index, item in enumerate(value):
        check(spec["items"], item, f"{path}[{index}]")


def _check_tagged(spec: Spec, value: dict[str, Any], path: str) -> None:
    tag_path = _join(path, "type")
    if "type" not in value:
        raise bad_request(f"Missing required parameter: '{tag_path}'.", param=tag_path, code="missing_required_parameter")
    tag = value["type"]
    if not isinstance(tag, str):
        raise _type_error(tag_path, "a string", tag)
    variant = spec["variants"].get(tag)
    if variant is None:
        raise bad_request(f"Invalid value: '{tag}'. Supported values are: {_quote_list(list(spec['variants']))}.", param=tag_path, code="invalid_value")
    check(variant, value, path)


def _check_metadata(_spec: Spec, value: dict[str, Any], path: str) -> None:
    if len(value) > METADATA_MAX_PAIRS:
        raise bad_request(
            f"Invalid '{path}': too many properties. Expected an object with at most {METADATA_MAX_PAIRS} properties, "
            f"but got an object with {len(value)} properties instead.",
            param=path, code="object_above_max_properties")
    for key, item in value.items():
        if len(key) > METADATA_KEY_MAX:
            raise bad_request(
                f"Invalid '{path}': metadata key '{key[:METADATA_KEY_MAX]}...' is too long. Expected keys of at most {METADATA_KEY_MAX} characters, "
                f"but got a key with {len(key)} characters instead.",
                param=path, code="string_above_max_length")
        if not isinstance(item, str):
            raise _type_error(_join(path, key), "a string", item)
        if len(item) > METADATA_VALUE_MAX:
            raise bad_request(
                f"Invalid '{_join(path, key)}': string too long. Expected a string with maximum length {METADATA_VALUE_MAX}, "
                f"but got a string with length {len(item)} instead.",
                param=_join(path, key), code="string_above_max_length")


_CHECKERS = {
    "string": _check_string,
    "number": _check_range,
    "integer": _check_range,
    "boolean": lambda spec, value, path: None,
    "object": _check_object,
    "array": _check_array,
    "tagged": _check_tagged,
    "metadata": _check_metadata,
}


# ---- the request schemas ------------------------------------------------------------------------

TOOL_CODE = obj({"type": string(enum=["code_interpreter"])}, required=("type",))
TOOL_FILE_SEARCH_TYPE_ONLY = obj({"type": string(enum=["file_search"])}, required=("type",))
TOOL_FILE_SEARCH = obj({
    "type": string(enum=["file_search"]),
    "file_search": obj({
        "max_num_results": integer(minimum=1, maximum=50),
        "ranking_options": obj({"ranker": string(enum=["auto", "default_2024_08_21"]), "score_threshold": number(minimum=0, maximum=1)},
                               required=("score_threshold",)),
    }),
}, required=("type",))
FUNCTION_OBJECT = obj({
    "name": string(pattern=FUNCTION_NAME_PATTERN),
    "description": string(),
    "parameters": obj(free=True),
    "strict": boolean(nullable=True),
}, required=("name",))
TOOL_FUNCTION = obj({"type": string(enum=["function"]), "function": FUNCTION_OBJECT}, required=("type", "function"))
TOOL = tagged({"code_interpreter": TOOL_CODE, "file_search": TOOL_FILE_SEARCH, "function": TOOL_FUNCTION})

TRUNCATION = obj({"type": string(enum=["auto", "last_messages"]), "last_messages": integer(nullable=True, minimum=1)}, required=("type",), nullable=True)
NAMED_TOOL_CHOICE = obj({
    "type": string(enum=["function", "code_interpreter", "file_search"]),
    "function": obj({"name": string()}, required=("name",)),
}, required=("type",))
TOOL_CHOICE = any_of([string(enum=["none", "auto", "required"]), NAMED_TOOL_CHOICE], nullable=True)
RESPONSE_FORMAT = any_of([
    string(enum=["auto"]),
    tagged({
        "text": obj({"type": string(enum=["text"])}, required=("type",)),
        "json_object": obj({"type": string(enum=["json_object"])}, required=("type",)),
        "json_schema": obj({
            "type": string(enum=["json_schema"]),
            "json_schema": obj({
                "description": string(),
                "name": string(pattern=FUNCTION_NAME_PATTERN),
                "schema": obj(free=True),
                "strict": boolean(nullable=True),
            }, required=("name",)),
        }, required=("type", "json_schema")),
    }),
], nullable=True)
REASONING_EFFORT = string(nullable=True, enum=["none", "minimal", "low", "medium", "high", "xhigh", "max"])

CONTENT_PART = tagged({
    "text": obj({"type": string(enum=["text"]), "text": string()}, required=("type", "text")),
    "image_file": obj({
        "type": string(enum=["image_file"]),
        "image_file": obj({"file_id": string(), "detail": string(enum=["auto", "low", "high"])}, required=("file_id",)),
    }, required=("type", "image_file")),
    "image_url": obj({
        "type": string(enum=["image_url"]),
        "image_url": obj({"url": string(), "detail": string(enum=["auto", "low", "high"])}, required=("url",)),
    }, required=("type", "image_url")),
})
ATTACHMENT = obj({
    "file_id": string(),
    "tools": array(tagged({"code_interpreter": TOOL_CODE, "file_search": TOOL_FILE_SEARCH_TYPE_ONLY})),
}, required=("file_id", "tools"))
CREATE_MESSAGE = obj({
    "role": string(enum=["user", "assistant"]),
    "content": any_of([string(), array(CONTENT_PART, min_items=1)]),
    "attachments": array(ATTACHMENT, nullable=True),
    "metadata": metadata(),
}, required=("role", "content"))
MODIFY_MESSAGE = obj({"metadata": metadata()})

_CODE_INTERPRETER_RESOURCES = obj({"file_ids": array(string(), max_items=20)})
TOOL_RESOURCES = obj({
    "code_interpreter": _CODE_INTERPRETER_RESOURCES,
    "file_search": obj({"vector_store_ids": array(string(), max_items=1)}),
}, nullable=True)
TOOL_RESOURCES_CREATE = obj({
    "code_interpreter": _CODE_INTERPRETER_RESOURCES,
    "file_search": obj({
        "vector_store_ids": array(string(), max_items=1),
        "vector_stores": array(obj({"file_ids": array(string()), "chunking_strategy": obj(free=True), "metadata": metadata()}), max_items=1),
    }),
}, nullable=True)

CREATE_THREAD = obj({"messages": array(CREATE_MESSAGE), "tool_resources": TOOL_RESOURCES_CREATE, "metadata": metadata()})
MODIFY_THREAD = obj({"tool_resources": TOOL_RESOURCES, "metadata": metadata()})

_RUN_COMMON: dict[str, Spec] = {
    "assistant_id": string(),
    "model": string(nullable=True),
    "instructions": string(nullable=True),
    "tools": array(TOOL, nullable=True, max_items=20),
    "metadata": metadata(),
    "temperature": number(nullable=True, minimum=0, maximum=2),
    "top_p": number(nullable=True, minimum=0, maximum=1),
    "stream": boolean(nullable=True),
    "max_prompt_tokens": integer(nullable=True, minimum=256),
    "max_completion_tokens": integer(nullable=True, minimum=256),
    "truncation_strategy": TRUNCATION,
    "tool_choice": TOOL_CHOICE,
    "parallel_tool_calls": boolean(),
    "response_format": RESPONSE_FORMAT,
}
CREATE_RUN = obj({
    **_RUN_COMMON,
    "reasoning_effort": REASONING_EFFORT,
    "additional_instructions": string(nullable=True),
    "additional_messages": array(CREATE_MESSAGE, nullable=True),
}, required=("assistant_id",))
CREATE_THREAD_AND_RUN = obj({**_RUN_COMMON, "thread": CREATE_THREAD, "tool_resources": TOOL_RESOURCES}, required=("assistant_id",))
MODIFY_RUN = obj({"metadata": metadata()})
# Azure AI Foundry (--flavor azure) answers a submit_tool_approval required action on the same endpoint.
SUBMIT_TOOL_APPROVALS = obj({
    "tool_approvals": array(obj({"tool_call_id": string(), "approve": boolean(), "headers": obj(free=True, nullable=True)},
                                required=("tool_call_id", "approve")), min_items=1),
    "stream": boolean(nullable=True),
}, required=("tool_approvals",))
SUBMIT_TOOL_OUTPUTS = obj({
    "tool_outputs": array(obj({"tool_call_id": string(), "output": string()}, required=("tool_call_id",))),
    "stream": boolean(nullable=True),
}, required=("tool_outputs",))

_ASSISTANT_FIELDS: dict[str, Spec] = {
    "model": string(),
    "name": string(nullable=True, max_length=256),
    "description": string(nullable=True, max_length=512),
    "instructions": string(nullable=True, max_length=256000),
    "reasoning_effort": REASONING_EFFORT,
    "tools": array(TOOL, max_items=128),
    "metadata": metadata(),
    "temperature": number(nullable=True, minimum=0, maximum=2),
    "top_p": number(nullable=True, minimum=0, maximum=1),
    "response_format": RESPONSE_FORMAT,
}
CREATE_ASSISTANT = obj({**_ASSISTANT_FIELDS, "tool_resources": TOOL_RESOURCES_CREATE}, required=("model",))
MODIFY_ASSISTANT = obj({**_ASSISTANT_FIELDS, "tool_resources": TOOL_RESOURCES})


def check_body(spec: Spec, body: Any) -> dict[str, Any]:
    """Check a whole request body; returns it as a dict (an absent body counts as `{}`)."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request(f"Invalid type for request body: expected an object, but got {_GOT[json_kind(body)]} instead.", code="invalid_type")
    check(spec, body, "")
    _check_semantics(body)
    return body


def _check_semantics(body: dict[str, Any]) -> None:
    """What the schema cannot say: a named function tool choice needs the function's name."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function" and "function" not in choice:
        raise bad_request("Missing required parameter: 'tool_choice.function'.", param="tool_choice.function", code="missing_required_parameter")
