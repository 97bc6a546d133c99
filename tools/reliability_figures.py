# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the figures of the reliability_* integration targets as the Markdown tables of docs/reliability.md.

    python3 tools/reliability_figures.py [DIR]

DIR holds the JSON summaries the targets write when they pass (default: tests/output/reliability; after
`make test`, .build/ansible_collections/llmops/assistants/tests/output/reliability). A target that did not
run, or failed before writing its summary, is listed as missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGETS = ("reliability_faults", "reliability_bad_input", "reliability_concurrency", "reliability_secrets", "reliability_tls")


def load(directory: Path) -> dict[str, dict]:
    found = {}
    for name in TARGETS:
        path = directory / f"{name}.json"
        if path.is_file():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def render(figures: dict[str, dict]) -> str:
    lines = []
    faults = figures.get("reliability_faults")
    if faults:
        lines += ["| fault case | faults injected | module tasks | runs on its thread |", "|---|---:|---:|---:|"]
        for case in faults["cases"]:
            runs = "n/a (a new thread)" if case["runs"] is None else case["runs"]
            lines.append(f"| {case['case']} | {case['faults']} | {case['tasks']} | {runs} |")
        lines += ["", f"{len(faults['cases'])} cases, {faults['faults_injected']} faults injected, {faults['tasks_run']} module tasks; "
                      f"most runs on one thread: {faults['most_runs_on_a_thread']}.", ""]
    rows = ["| target | figures |", "|---|---|"]
    bad = figures.get("reliability_bad_input")
    if bad:
        rows.append(f"| reliability_bad_input | {bad['bad_inputs_tried']} bad values across {len(bad['modules'])} modules; "
                    f"{bad['failed_naming_the_option']} failed naming the option; {bad['requests_received']} requests reached the server |")
    concurrency = figures.get("reliability_concurrency")
    if concurrency:
        rows.append(f"| reliability_concurrency | {concurrency['hosts']} hosts, forks {concurrency['forks']}; {concurrency['faults_injected']} "
                    f"429s injected; {concurrency['runs']} runs, at most {concurrency['most_runs_on_a_thread']} on a thread |")
    secrets = figures.get("reliability_secrets")
    if secrets:
        rows.append(f"| reliability_secrets | {secrets['key_tasks']} runs of the collection's modules at -vvv; {secrets['lines_scanned']} lines scanned "
                    f"({secrets['module_invocations_logged']} logged module arguments, {secrets['key_masked_in_logged_args']} with the key "
                    f"masked); {secrets['leaks_found']} leaks |")
    tls = figures.get("reliability_tls")
    if tls:
        rows.append(f"| reliability_tls | {tls['tasks_run']} module tasks: {tls['refused']} refused as they should be, "
                    f"{tls['got_through']} got through |")
    if len(rows) > 2:
        lines += rows
    missing = [name for name in TARGETS if name not in figures]
    if missing:
        lines += ["", f"Missing (did not run or did not pass): {', '.join(missing)}."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    directory = Path(argv[0] if argv else "tests/output/reliability")
    figures = load(directory)
    if not figures:
        sys.stderr.write(f"no reliability figures in {directory}; run the reliability_* integration targets first\n")
        return 1
    sys.stdout.write(render(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
