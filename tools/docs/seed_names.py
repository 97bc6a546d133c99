#!/usr/bin/env python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""List the names the Terraform provider's docs define, for the migration guide's coverage test.

    .venv/ecosystem/bin/python tools/docs/seed_names.py SEEDS_DIR > docs/docsite/seed_names.yml

SEEDS_DIR holds the provider's doc pages we migrate from (one .txt per page). For each page this
prints, as YAML, the resource or data source it documents with its arguments and attributes
(nested ones as dotted paths, such as ``runs.id`` or ``thread.messages.role``), the arguments its
HCL examples use per resource or data source type, and the address of every block of its examples
(``openai_run.code_review_run``, ``data.openai_runs.thread_history``, ``output.run_status``).

It is run by hand when the pages change, and its output is committed: the unit test
tests/unit/docs/test_migration_guide.py reads that committed list, so no test needs the pages.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import typing as t

import yaml

# "* `name` - ..." in "## Argument Reference" / "## Attribute Reference", indented for nested ones.
BULLET = re.compile(r"^(?P<indent>\s*)[*-] `(?P<name>[a-z_][a-z0-9_]*)`")
# "### Nested `thread.messages` block" (hand-written pages)
NESTED_BLOCK = re.compile(r"^### Nested `(?P<path>[a-z0-9_.]+)` block")
# "### Nested Schema for `steps`" (tfplugindocs pages)
NESTED_SCHEMA = re.compile(r"^### Nested Schema for `(?P<path>[a-z0-9_.]+)`")
TITLE = re.compile(r"^# (?P<title>.+?)\s*$")
HCL_BLOCK = re.compile(r'^(?P<kind>resource|data|output|module|variable)\s+"(?P<a>[^"]+)"(?:\s+"(?P<b>[^"]+)")?\s*\{\s*$')
HCL_NESTED = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s*\{\s*$")
HCL_ATTR = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s*=\s*(?P<value>.*)$")
# Map attributes whose keys are the user's own data, not names the provider defines.
FREE_FORM = {"metadata"}
SECTIONS = {"argument reference": "arguments", "attribute reference": "attributes",
            "required": "arguments", "optional": "arguments", "read-only": "attributes"}


def kind_and_name(title: str) -> tuple[str, str]:
    """('data source', 'openai_runs') for '# openai_runs Data Source', ('example', title) for other pages."""
    match = re.match(r"^(?P<name>[a-z0-9_]+) (?:\((?P<kind1>Resource|Data Source)\)|(?P<kind2>Resource|Data Source))$", title)
    if match:
        return (match.group("kind1") or match.group("kind2")).lower(), match.group("name")
    return "example", title


def reference_names(lines: list[str]) -> dict[str, list[str]]:
    """The names of the argument and attribute reference sections, nested ones as dotted paths."""
    found: dict[str, list[str]] = {"arguments": [], "attributes": []}
    section: str | None = None
    prefix = ""
    stack: list[tuple[int, str]] = []  # (indent, name) of the bullets above the current one
    in_fence = False
    for line in lines:
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = re.match(r"^(#{2,3}) (.+?)\s*$", line)
        if heading:
            text = heading.group(2).strip().lower()
            nested = NESTED_BLOCK.match(line) or NESTED_SCHEMA.match(line)
            if nested:
                prefix = nested.group("path") + "."
                # A nested block lists arguments; a tfplugindocs nested schema says which under "Read-Only:".
                if NESTED_BLOCK.match(line):
                    section = "arguments"
            elif text in SECTIONS:
                section, prefix = SECTIONS[text], ""
            elif heading.group(1) == "##":
                section, prefix = None, ""
            stack = []
            continue
        if line.strip().rstrip(":").lower() in SECTIONS and prefix:
            section = SECTIONS[line.strip().rstrip(":").lower()]
            continue
        bullet = BULLET.match(line)
        if not bullet or section is None:
            continue
        indent = len(bullet.group("indent"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = prefix + ".".join([above for _indent, above in stack] + [bullet.group("name")])
        stack.append((indent, bullet.group("name")))
        if path not in found[section]:
            found[section].append(path)
    return found


def hcl_blocks(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The addresses of the blocks in the page's HCL examples, and the arguments used per block type."""
    addresses: list[str] = []
    used: dict[str, list[str]] = {}
    in_hcl = False
    # Each open brace or bracket: the dotted path it opens inside its block ("" for the block itself),
    # or None for content that is not the provider's (maps of free-form keys, jsonencode(...), lists of values).
    stack: list[str | None] = []
    block_type: str | None = None
    for raw in lines:
        line = raw.strip()
        if raw.startswith("```"):
            in_hcl = raw.strip() in ("```hcl", "```terraform")
            stack, block_type = [], None
            continue
        if not in_hcl or not line or line.startswith("#"):
            continue
        if not stack:
            match = HCL_BLOCK.match(line)
            if match:
                kind, first, second = match.group("kind", "a", "b")
                if kind == "resource":
                    addresses.append(f"{first}.{second}")
                    block_type = first
                elif kind == "data":
                    addresses.append(f"data.{first}.{second}")
                    block_type = f"data.{first}"
                else:
                    addresses.append(f"{kind}.{first}")
                    block_type = None
                stack.append("")
            continue
        where = stack[-1]
        opens = line.count("{") + line.count("[") + line.count("(")
        closes = line.count("}") + line.count("]") + line.count(")")
        nested = HCL_NESTED.match(line)
        attr = HCL_ATTR.match(line)
        name = nested.group("name") if nested else attr.group("name") if attr else None
        if name is not None and where is not None and block_type is not None:
            path = f"{where}.{name}" if where else name
            used.setdefault(block_type, [])
            if path not in used[block_type]:
                used[block_type].append(path)
            if opens > closes:
                value = attr.group("value") if attr else "{"
                # `x = [` opens a list of objects (messages = [{...}]) or of values; `x = {` an object.
                inner = None if name in FREE_FORM or "(" in value or value.startswith("[") and "{" not in value else path
                stack.extend([inner] * (opens - closes))
                continue
        elif line in ("{", "[{", "{,") and where is not None:
            stack.append(where)  # an object in a list of objects: its keys belong to the list's path
            continue
        stack.extend([where] * max(0, opens - closes))
        del stack[max(0, len(stack) - max(0, closes - opens)):]
        if not stack:
            block_type = None
    return addresses, used


def page_entry(path: str) -> dict[str, t.Any]:
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    body = lines
    if lines and lines[0].strip() == "---":  # tfplugindocs front matter
        end = lines.index("---", 1) if "---" in lines[1:] else 0
        body = lines[end + 1:]
    title = next((m.group("title") for m in map(TITLE.match, body) if m), os.path.basename(path))
    kind, name = kind_and_name(title)
    references = reference_names(body)
    addresses, used = hcl_blocks(body)
    resources = [address.split(".")[0] for address in addresses if not address.startswith(("data.", "output.", "module."))]
    if kind == "example" and references["arguments"] and resources:
        # A resource page titled in words ("# OpenAI Thread Run"): the resource its examples declare.
        kind, name = "resource", max(set(resources), key=resources.count)
    entry: dict[str, t.Any] = {"file": os.path.basename(path), "title": title, "kind": kind, "name": name}
    entry.update(references)
    if kind == "example":
        # An example page documents its outputs in a "## Outputs" list.
        outputs = []
        section = None
        for line in body:
            if line.startswith("## "):
                section = line[3:].strip().lower()
            elif section == "outputs":
                match = BULLET.match(line)
                if match:
                    outputs.append(match.group("name"))
        entry["outputs"] = outputs
        # ... and names the resources and data sources it shows: "- `data.openai_run`: Data source for ...".
        entry["mentions"] = sorted({
            match.group(1) for match in map(re.compile(r"^- `((?:data\.)?openai_[a-z_]+)`:").match, body) if match
        })
    entry["example_blocks"] = addresses
    entry["example_arguments"] = {block: sorted(names) for block, names in sorted(used.items())}
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("seeds_dir", help="the folder of the Terraform provider's doc pages (*.txt)")
    args = parser.parse_args(argv)
    files = sorted(name for name in os.listdir(args.seeds_dir) if name.endswith(".txt"))
    if not files:
        parser.error(f"no .txt files in {args.seeds_dir}")
    document = {"pages": [page_entry(os.path.join(args.seeds_dir, name)) for name in files]}
    sys.stdout.write(
        "---\n"
        "# The names the Terraform provider's doc pages define, per page: written by\n"
        "#   python tools/docs/seed_names.py SEEDS_DIR > docs/docsite/seed_names.yml  (with PyYAML)\n"
        "# from the five pages the migration guide (docs/docsite/rst/guide_migrating_from_terraform.rst) covers.\n"
        "# Committed so that tests/unit/docs/test_migration_guide.py needs no copy of the pages; do not edit by hand.\n"
    )
    sys.stdout.write(yaml.safe_dump(document, sort_keys=False, width=120))
    return 0


if __name__ == "__main__":
    sys.exit(main())
