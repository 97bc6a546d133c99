#!/usr/bin/env python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write each module's EXAMPLES as a playbook, so that ansible-lint can lint them as users will copy them.

    python3 tools/ci/examples_to_playbooks.py COLLECTION_DIR OUT_DIR

For plugins/modules/<name>.py it writes OUT_DIR/<name>.yml: one play on localhost whose tasks are the
EXAMPLES text as written (comments included), indented under ``tasks:``. The module is not imported:
EXAMPLES is read from the file's syntax tree.
"""

from __future__ import annotations

import ast
import os
import sys


def examples_of(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"{path} has no EXAMPLES")


def playbook(module: str, examples: str) -> str:
    tasks = "\n".join(("    " + line) if line.strip() else "" for line in examples.strip("\n").splitlines())
    return (
        "---\n"
        f"- name: The EXAMPLES of llmops.assistants.{module}\n"
        "  hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        f"{tasks}\n"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    collection_dir, out_dir = argv
    modules_dir = os.path.join(collection_dir, "plugins", "modules")
    os.makedirs(out_dir, exist_ok=True)
    names = sorted(name[:-3] for name in os.listdir(modules_dir) if name.endswith(".py") and not name.startswith("_"))
    for name in names:
        with open(os.path.join(out_dir, f"{name}.yml"), "w", encoding="utf-8") as handle:
            handle.write(playbook(name, examples_of(os.path.join(modules_dir, f"{name}.py"))))
    print(f"wrote the EXAMPLES of {len(names)} modules to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
