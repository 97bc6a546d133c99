# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The nested shapes of _options.SHAPES against the official request schema (issue #12 item 7).

The schema is the copy the repository ships (tools/assistants_server/openapi/assistants-runs.oas31.yaml). For each
shape, its keys and its required keys must be the schema's (a required key the table adds on purpose is listed in
the shape's `stricter`), and every key whose value the schema makes an object of its own must be checked as a
shape too, not passed as an opaque dict. So a schema update that adds, drops or requires a key fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.llmops.assistants.plugins.module_utils._options import (
    METADATA,
    SHAPES,
    AnyOf,
    ByType,
    ListOf,
    OptionError,
    check_shape,
)

SCHEMA_FILE = Path(__file__).resolve().parents[4] / "tools/assistants_server/openapi/assistants-runs.oas31.yaml"
SCHEMAS = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))["components"]["schemas"]
# Objects the schema leaves open (additionalProperties: true, or a metadata map): checked as a dict, not key by key.
FREE_FORM = {"FunctionParameters", "ResponseFormatJsonSchemaSchema", "Metadata"}


def deref(node):
    while "$ref" in node:
        node = SCHEMAS[node["$ref"].rsplit("/", 1)[-1]]
    return node


def resolve(path):
    node = SCHEMAS
    for part in path.split("/"):
        node = deref(node[int(part)] if isinstance(node, list) else node[part])
    return node


def keys_and_required(node):
    """An array's items are the object (the attachment's `required` sits next to `items` in the schema)."""
    if node.get("type") == "array":
        items = deref(node["items"])
        return set(items.get("properties", {})), set(node.get("required", ())) | set(items.get("required", ()))
    return set(node.get("properties", {})), set(node.get("required", ()))


SHAPE_PATHS = [(name, path) for name, shape in SHAPES.items() for path in shape.schema]


@pytest.mark.parametrize("name, path", SHAPE_PATHS, ids=[f"{name}@{path}" for name, path in SHAPE_PATHS])
def test_each_shape_has_the_keys_and_required_keys_of_the_schema(name, path):
    shape = SHAPES[name]
    keys, required = keys_and_required(resolve(path))
    assert set(shape.fields) == keys
    assert set(shape.required) - set(shape.stricter) == required
    assert set(shape.stricter) <= set(shape.required) and not set(shape.stricter) & required


def object_properties(node):
    """The properties of a schema object whose value is an object of its own (or an array or union of them)."""
    _keys, _required = keys_and_required(node)
    properties = node.get("properties") or deref(node.get("items", {})).get("properties", {})
    for key, value in properties.items():
        if "$ref" in value and value["$ref"].rsplit("/", 1)[-1] in FREE_FORM:
            continue
        value = deref(value)
        options = [deref(option) for option in value.get("anyOf", [value]) if deref(option).get("type") != "null"]
        for option in options:
            if option.get("type") == "array":
                option = deref(option.get("items", {}))
            if option.get("properties") or option.get("oneOf"):
                yield key
                break


def nested_kind(kind):
    """Whether the table checks a value key by key (a shape, a list of shapes, a oneOf by type, metadata)."""
    if isinstance(kind, AnyOf):
        return any(nested_kind(option) for option in kind.kinds)
    if isinstance(kind, ListOf):
        return nested_kind(kind.item)
    return isinstance(kind, ByType) or (isinstance(kind, str) and (kind in SHAPES or kind == METADATA))


@pytest.mark.parametrize("name, path", SHAPE_PATHS, ids=[f"{name}@{path}" for name, path in SHAPE_PATHS])
def test_every_nested_object_of_the_schema_is_a_shape_of_the_table(name, path):
    shape = SHAPES[name]
    for key in object_properties(resolve(path)):
        assert nested_kind(shape.fields[key]), f"{name}.{key} is an object in the schema but not checked as a shape"


def referenced(kind):
    if isinstance(kind, AnyOf):
        for option in kind.kinds:
            yield from referenced(option)
    elif isinstance(kind, ListOf):
        yield from referenced(kind.item)
    elif isinstance(kind, ByType):
        yield from kind.shapes.values()
    elif isinstance(kind, str) and kind not in (METADATA, "non-empty string"):
        yield kind


def test_every_shape_the_table_names_exists():
    names = {name for shape in SHAPES.values() for kind in shape.fields.values() for name in referenced(kind)}
    assert names <= set(SHAPES)


def test_json_schema_requires_schema_as_the_hosted_api_did():
    """The schema marks only name as required; the hosted API refused a json_schema without schema."""
    assert SHAPES["json_schema"].stricter == ("schema",)
    with pytest.raises(OptionError, match=r"^response_format\.json_schema\.schema is required"):
        check_shape({"type": "json_schema", "json_schema": {"name": "x"}}, "response_format.json_schema", "response_format")


@pytest.mark.parametrize(
    "value, shape, message",
    [
        ({"type": "function", "function": {"name": "f", "strict": "yes"}}, "tool.function",
         "tools[0].function.strict must be true or false (a boolean, not a string); got str 'yes'."),
        ({"type": "code_interpreter", "bogus": 1}, "tool.code_interpreter",
         "tools[0] (a code_interpreter tool) accepts type; unknown: tools[0].bogus."),
        ({"type": "file_search", "file_search": {"max_num_results": 51}}, "tool.file_search",
         "tools[0].file_search.max_num_results must be a whole number between 1 and 50; got int 51."),
        ({"type": "file_search", "file_search": {"ranking_options": {"ranker": "auto"}}}, "tool.file_search",
         "tools[0].file_search.ranking_options.score_threshold is required for the ranking options"),
    ],
)
def test_a_value_that_does_not_fit_names_its_path(value, shape, message):
    with pytest.raises(OptionError) as caught:
        check_shape(value, shape, "tools[0]")
    assert str(caught.value).startswith(message)


def test_a_value_that_fits_passes():
    check_shape({"type": "file_search", "file_search": {"max_num_results": 5, "ranking_options": {"score_threshold": 0.5}}},
                "tool.file_search", "tools[0]")
    check_shape({"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "low"}}],
                 "attachments": [{"file_id": "file_1", "tools": [{"type": "code_interpreter"}]}], "metadata": {"a": "b"}},
                "message", "additional_messages[0]")
    check_shape({"file_search": {"vector_stores": [{"file_ids": ["file_1"], "chunking_strategy": {
        "type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}}]}}, "tool_resources", "tool_resources")
