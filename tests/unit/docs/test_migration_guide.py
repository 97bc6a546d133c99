# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration guide maps every name the Terraform provider's doc pages define, and every block of their examples.

docs/docsite/seed_names.yml lists those names per page; tools/docs/seed_names.py wrote it from the provider's
pages, and it is committed so that this test needs nothing outside the collection. The guide,
docs/docsite/rst/guide_migrating_from_terraform.rst, has one section per resource, data source or example page
("Resource ``openai_run``", "Data source ``openai_runs``", "Example ``OpenAI Runs Example``"), each with a table
whose first column names the Terraform argument or attribute as a literal (``thread.messages.role``), and a section
"Examples, block by block" whose first column names example blocks (``data.openai_runs.thread_history``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

COLLECTION_ROOT = Path(__file__).resolve().parents[3]
SEED_NAMES = COLLECTION_ROOT / "docs" / "docsite" / "seed_names.yml"
GUIDE = COLLECTION_ROOT / "docs" / "docsite" / "rst" / "guide_migrating_from_terraform.rst"
EXAMPLES_SECTION = "Examples, block by block"
HEADINGS = {"resource": "Resource", "data source": "Data source", "example": "Example"}
SECTION_TITLE = re.compile(r"^(?P<kind>Resource|Data source|Example) ``(?P<name>[^`]+)``$")
FIRST_CELL = re.compile(r"^ {3}\* - (?P<cell>.*)$")
NEXT_CELL = re.compile(r"^ {5}- ")
LITERAL = re.compile(r"``([^`]+)``")


def load_pages() -> list[dict]:
    return yaml.safe_load(SEED_NAMES.read_text(encoding="utf-8"))["pages"]


def guide_sections() -> dict[str, set[str]]:
    """The literals in the first column of each section's table, by section title."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    sections: dict[str, set[str]] = {}
    title = None
    in_first_cell = False
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if line and following and set(following) == {"-"} and len(following) >= len(line):
            title = line
            sections.setdefault(title, set())
            continue
        if title is None:
            continue
        match = FIRST_CELL.match(line)
        if match:
            in_first_cell = True
            sections[title].update(LITERAL.findall(match.group("cell")))
        elif NEXT_CELL.match(line) or not line.startswith("     "):
            in_first_cell = False
        elif in_first_cell:
            # A first cell that goes on over several lines.
            sections[title].update(LITERAL.findall(line))
    return sections


def section_title(kind: str, name: str) -> str:
    return f"{HEADINGS[kind]} ``{name}``"


def block_section(block_type: str) -> str:
    """The section of a block type of the examples: 'data.openai_runs' -> 'Data source ``openai_runs``'."""
    if block_type.startswith("data."):
        return section_title("data source", block_type[len("data."):])
    return section_title("resource", block_type)


PAGES = load_pages()


def test_the_committed_list_names_the_five_pages():
    assert len(PAGES) == 5
    for page in PAGES:
        names = page["arguments"] + page["attributes"] + page.get("outputs", []) + page.get("mentions", [])
        assert names, f"{page['file']} ({page['title']}) lists no name"
        assert page["kind"] in HEADINGS


@pytest.mark.parametrize("page", PAGES, ids=[page["file"] for page in PAGES])
def test_every_argument_and_attribute_of_a_page_is_in_its_table(page):
    sections = guide_sections()
    title = section_title(page["kind"], page["name"])
    assert title in sections, f"the guide has no section {title!r} for {page['file']} ({page['title']})"
    wanted = page["arguments"] + page["attributes"] + page.get("outputs", []) + page.get("mentions", [])
    missing = [name for name in wanted if name not in sections[title]]
    assert not missing, f"section {title!r} of the guide does not map {missing} ({page['file']})"


@pytest.mark.parametrize("page", PAGES, ids=[page["file"] for page in PAGES])
def test_every_argument_the_examples_use_is_in_the_table_of_its_type(page):
    sections = guide_sections()
    problems = []
    for block_type, names in page["example_arguments"].items():
        title = block_section(block_type)
        if title not in sections:
            problems.append(f"no section {title!r} for the examples' {block_type} blocks")
            continue
        missing = [name for name in names if name not in sections[title]]
        if missing:
            problems.append(f"section {title!r} does not map {missing}, which the examples give {block_type}")
    assert not problems, f"{page['file']}: " + "; ".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=[page["file"] for page in PAGES])
def test_every_example_block_has_its_translation(page):
    mapped = guide_sections().get(EXAMPLES_SECTION)
    assert mapped is not None, f"the guide has no section {EXAMPLES_SECTION!r}"
    missing = [block for block in page["example_blocks"] if block not in mapped]
    assert not missing, f"section {EXAMPLES_SECTION!r} does not say where {missing} went ({page['file']})"


def test_a_name_missing_from_a_table_is_reported():
    """The check itself: a section lacking a name is noticed (guards the parser against matching nothing)."""
    sections = guide_sections()
    assert "``openai_run``" not in sections
    assert "thread.messages.role" in sections[section_title("resource", "openai_thread_run")]
    assert "no_such_argument" not in sections[section_title("resource", "openai_thread_run")]
    assert "data.openai_runs.second_page" in sections[EXAMPLES_SECTION]
