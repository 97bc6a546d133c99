#!/usr/bin/env python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write each module's EXAMPLES as a playbook, so that ansible-lint can lint them as users will copy them.

    python3 tools/ci/examples_to_playbooks.py COLLECTION_DIR OUT_DIR

For plugins/modules/<name>.py it writes OUT_DIR/<name>.yml: one play on localhost whose tasks are the
EXAMPLES text as written (comments included), indented under ``tasks:``. The module is not imported:
EXAMPLES is read from the file's syntax tree.

The user guide's YAML code blocks that are tasks or plays (they start with ``- name:``) are written too, as
OUT_DIR/<page>_<n>.yml: a play as it is, tasks inside a play like the EXAMPLES.

    python3 tools/ci/examples_to_playbooks.py --guide-files PAGE.rst OUT_DIR

writes the code blocks of a guide page that an RST comment ``.. file: NAME`` (just before the block) names, as
OUT_DIR/NAME, exactly as the page shows them: a worked example that a test then runs as written.
"""

from __future__ import annotations

import ast
import os
import re
import sys

CODE_BLOCK = re.compile(r"^\.\. code-block:: yaml\s*$")
FILE_MARK = re.compile(r"^\.\. file: ([A-Za-z0-9_.-]+)\s*$")


def examples_of(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"{path} has no EXAMPLES")


def _code_block(lines: list[str], number: int) -> str:
    """The body of the code block whose directive is lines[number], dedented."""
    body = []
    for following in lines[number + 1:]:
        if following.strip() and not following.startswith(" "):
            break
        body.append(following)
    indent = min(len(text) - len(text.lstrip()) for text in body if text.strip())
    return "\n".join(text[indent:] for text in body).strip("\n")


def guide_blocks(path: str) -> list[str]:
    """The YAML code blocks of an RST page that are tasks or plays, dedented."""
    lines = open(path, encoding="utf-8").read().splitlines()
    blocks = [_code_block(lines, number) for number, line in enumerate(lines) if CODE_BLOCK.match(line)]
    return [text for text in blocks if text.startswith("- name:")]


def guide_files(path: str) -> dict[str, str]:
    """The code blocks an RST comment `.. file: NAME` names (the next code block after it), by NAME."""
    lines = open(path, encoding="utf-8").read().splitlines()
    files = {}
    for number, line in enumerate(lines):
        mark = FILE_MARK.match(line)
        if mark:
            directive = next(at for at in range(number + 1, len(lines)) if CODE_BLOCK.match(lines[at]))
            files[mark.group(1)] = _code_block(lines, directive) + "\n"
    return files


def playbook(what: str, examples: str) -> str:
    if re.search(r"^  hosts:", examples, re.MULTILINE):
        return "---\n" + examples.strip("\n") + "\n"
    tasks = "\n".join(("    " + line) if line.strip() else "" for line in examples.strip("\n").splitlines())
    return (
        "---\n"
        f"- name: The examples of {what}\n"
        "  hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        f"{tasks}\n"
    )


def write_guide_files(page: str, out_dir: str) -> int:
    """The files a guide page's worked example is made of, written as the page shows them (for a test to run)."""
    os.makedirs(out_dir, exist_ok=True)
    files = guide_files(page)
    for name, text in files.items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    print(f"wrote {', '.join(sorted(files))} of {page} to {out_dir}")
    return 0 if files else 1


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--guide-files":
        return write_guide_files(argv[1], argv[2])
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    collection_dir, out_dir = argv
    modules_dir = os.path.join(collection_dir, "plugins", "modules")
    os.makedirs(out_dir, exist_ok=True)
    names = sorted(name[:-3] for name in os.listdir(modules_dir) if name.endswith(".py") and not name.startswith("_"))
    for name in names:
        with open(os.path.join(out_dir, f"{name}.yml"), "w", encoding="utf-8") as handle:
            handle.write(playbook(f"llmops.assistants.{name}", examples_of(os.path.join(modules_dir, f"{name}.py"))))
    guide_dir = os.path.join(collection_dir, "docs", "docsite", "rst")
    pages = sorted(name for name in os.listdir(guide_dir) if name.endswith(".rst")) if os.path.isdir(guide_dir) else []
    count = 0
    for page in pages:
        for number, block in enumerate(guide_blocks(os.path.join(guide_dir, page)), 1):
            with open(os.path.join(out_dir, f"{page[:-4]}_{number}.yml"), "w", encoding="utf-8") as handle:
                handle.write(playbook(f"the guide page {page}", block))
            count += 1
    print(f"wrote the EXAMPLES of {len(names)} modules and {count} code blocks of the guide to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
