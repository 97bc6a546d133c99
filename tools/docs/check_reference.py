#!/usr/bin/env python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that ansible-doc renders every module and role of the collection, and docs/reference with it.

    python3 tools/docs/check_reference.py COLLECTION_DIR REFERENCE_DIR

COLLECTION_DIR is the collection (.../ansible_collections/llmops/assistants) that ansible-doc finds on
ANSIBLE_COLLECTIONS_PATH; REFERENCE_DIR holds the pages tools/docs/build.sh wrote. Checked:
  - ``ansible-doc -l llmops.assistants`` lists exactly the modules of plugins/modules/;
  - ``ansible-doc llmops.assistants.<module>`` renders each, with EXAMPLES and RETURN VALUES, and names
    every option; ``ansible-doc -t role llmops.assistants.ask`` (each role) renders too;
  - each module's page has an anchor for every option and suboption and every return value, each role's
    page one for every option of every entry point;
  - a ``version_added`` on an option or return value is not older than its module's and not newer than
    the collection's version (galaxy.yml).
Prints one line per problem and exits 1 if there is any.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t

import yaml

COLLECTION = "llmops.assistants"


def ansible_doc(*args: str) -> str:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    result = subprocess.run(["ansible-doc", *args], capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ansible-doc {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in str(version).split(".")[:3])


def walk(entries: dict[str, t.Any] | None, key: str, prefix: str = "") -> t.Iterator[tuple[str, dict[str, t.Any]]]:
    """(path, spec) of every option (key='suboptions') or return value (key='contains'), nested ones too."""
    for name, spec in (entries or {}).items():
        path = f"{prefix}{name}"
        yield path, spec
        yield from walk(spec.get(key), key, path + "/")


def check_module(name: str, data: dict[str, t.Any], page: str, collection_version: str) -> list[str]:
    problems = []
    doc = data.get("doc") or {}
    if not (data.get("examples") or "").strip():
        problems.append(f"{name}: no EXAMPLES")
    if not data.get("return"):
        problems.append(f"{name}: no RETURN")
    module_added = doc.get("version_added")
    if module_added in (None, "historical"):
        problems.append(f"{name}: the module has no version_added")
        module_added = "0.0.0"
    for kind, entries, key, anchor in (("option", doc.get("options"), "suboptions", "parameter"),
                                       ("return value", data.get("return"), "contains", "return")):
        for path, spec in walk(entries, key):
            if f'id="{anchor}-{path}"' not in page:
                problems.append(f"{name}: docs/reference has no {kind} {path} (run `make docs`)")
            added = spec.get("version_added")
            if added is None:
                continue
            if spec.get("version_added_collection", COLLECTION) != COLLECTION:
                continue
            if version_tuple(added) < version_tuple(module_added):
                problems.append(f"{name}: {kind} {path} has version_added {added}, older than the module's {module_added}")
            if version_tuple(added) > version_tuple(collection_version):
                problems.append(f"{name}: {kind} {path} has version_added {added}, newer than the collection ({collection_version})")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    collection_dir, reference_dir = argv
    with open(os.path.join(collection_dir, "galaxy.yml"), encoding="utf-8") as handle:
        collection_version = yaml.safe_load(handle)["version"]
    problems: list[str] = []

    files = sorted(
        name[:-3] for name in os.listdir(os.path.join(collection_dir, "plugins", "modules"))
        if name.endswith(".py") and not name.startswith("_")
    )
    listed = sorted(name.split(".")[-1] for name in json.loads(ansible_doc("-l", COLLECTION, "--json")))
    if listed != files:
        problems.append(f"ansible-doc -l {COLLECTION} lists {listed}, plugins/modules/ has {files}")

    docs = json.loads(ansible_doc("--json", *[f"{COLLECTION}.{name}" for name in files]))
    for name in files:
        fqcn = f"{COLLECTION}.{name}"
        text = ansible_doc(fqcn)
        for heading in ("OPTIONS", "EXAMPLES:", "RETURN VALUES:"):
            if heading not in text:
                problems.append(f"ansible-doc {fqcn} shows no {heading.rstrip(':')}")
        data = docs.get(fqcn)
        if data is None:
            problems.append(f"ansible-doc --json gives nothing for {fqcn}")
            continue
        for option in (data["doc"].get("options") or {}):
            if f"{option}  " not in text and f"{option}\n" not in text:
                problems.append(f"ansible-doc {fqcn} does not show the option {option}")
        page_path = os.path.join(reference_dir, f"{name}_module.rst")
        if not os.path.exists(page_path):
            problems.append(f"{name}: docs/reference has no page (run `make docs`)")
            continue
        with open(page_path, encoding="utf-8") as handle:
            problems.extend(check_module(name, data, handle.read(), collection_version))

    roles_dir = os.path.join(collection_dir, "roles")
    roles = sorted(os.listdir(roles_dir)) if os.path.isdir(roles_dir) else []
    for role in roles:
        fqcn = f"{COLLECTION}.{role}"
        ansible_doc("-t", "role", fqcn)
        data = json.loads(ansible_doc("-t", "role", "--json", fqcn)).get(fqcn) or {}
        page_path = os.path.join(reference_dir, f"{role}_role.rst")
        page = open(page_path, encoding="utf-8").read() if os.path.exists(page_path) else ""
        if not page:
            problems.append(f"role {role}: docs/reference has no page (run `make docs`)")
        for entry, spec in (data.get("entry_points") or {}).items():
            for path, _spec in walk(spec.get("options"), "options"):
                if page and f'id="parameter-{entry}--{path}"' not in page:
                    problems.append(f"role {role}: docs/reference has no option {entry}/{path} (run `make docs`)")

    for problem in problems:
        print(problem)
    print(f"checked {len(files)} modules and {len(roles)} roles: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
