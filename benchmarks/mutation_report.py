"""The score and the survivors of the last `make mutation` (docs/mutation.md), written to
benchmarks/results/mutation.txt and printed.

Reads mutmut's results for the modules of MUTATE (names without .py, default all mutated modules),
shows each surviving mutant as the source line it changes and the line it puts there, and the
explanation docs/mutation.md gives it (a table row naming the mutant). Exits 1 while a survivor has
no explanation: each must be killed by a test or explained as equivalent.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
DOC = ROOT / "docs" / "mutation.md"
OUT = ROOT / "benchmarks" / "results" / "mutation.txt"
PACKAGE = "tripletex.transfer"
# A mutant counts as killed when a test failed, or when the tests no longer finished in time.
KILLED = ("killed", "timeout", "caught by type check")
NOT_KILLED = ("survived", "no tests")
RESULT_LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+__mutmut_\d+): (?P<status>.+)$")
DOC_ROW = re.compile(r"^\|\s*`(?P<name>[\w.ǁ]+__mutmut_\d+)`\s*\|.*\|\s*(?P<why>[^|]+?)\s*\|\s*$")


def mutmut(*args: str) -> str:
    # The venv's own mutmut, with arguments this script builds.
    done = subprocess.run(  # noqa: S603
        [str(MUTMUT), *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def module_of(name: str) -> str:
    return name.removeprefix(PACKAGE + ".").split(".", 1)[0]


def function_of(name: str) -> str:
    """x_claim__mutmut_3 → claim; xǁClassǁmethod__mutmut_3 → method."""
    mangled = name.rsplit(".", 1)[1].rsplit("__mutmut_", 1)[0]
    return mangled.split("ǁ")[-1] if "ǁ" in mangled else mangled.removeprefix("x_")


def changed_lines(name: str) -> tuple[str, str]:
    diff = mutmut("show", name).splitlines()
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    return "\n".join(removed), "\n".join(added)


def line_number(module: str, function: str, removed: str) -> int | None:
    """The line the mutant changes in the module's source, searched from the function's def."""
    source = (ROOT / "tripletex" / "transfer" / f"{module}.py").read_text(encoding="utf-8").splitlines()
    first = removed.splitlines()[0] if removed else ""
    start = next((i for i, line in enumerate(source) if re.match(rf"\s*def {function}\(", line)), 0)
    for i in range(start, len(source)):
        if first and source[i] == first:
            return i + 1
    return start + 1 if start else None


def explanations() -> dict[str, str]:
    if not DOC.exists():
        return {}
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = DOC_ROW.match(line)
        if match:
            found[match["name"]] = match["why"]
    return found


def main() -> int:
    wanted = os.environ.get("MUTATE", "").split()
    statuses: dict[str, str] = {}
    for line in mutmut("results", "--all", "true").splitlines():
        match = RESULT_LINE.match(line)
        if match and (not wanted or module_of(match["name"]) in wanted):
            statuses[match["name"]] = match["status"]
    checked = {name: status for name, status in statuses.items() if status != "not checked"}
    counts = Counter(checked.values())
    killed = sum(counts[s] for s in KILLED)
    total = len(checked)
    why = explanations()
    survivors = sorted(name for name, status in checked.items() if status in NOT_KILLED)
    modules = sorted({module_of(name) for name in statuses})
    lines = [
        f"Mutation run of tripletex/transfer/ ({datetime.date.today().isoformat()}), "
        f"modules: {', '.join(m + '.py' for m in modules)}",
        f"score: {killed}/{total} killed ({100 * killed / total:.1f} %)" if total else "score: none checked",
        "  " + ", ".join(f"{status} {count}" for status, count in sorted(counts.items())),
        f"  not checked (run not finished): {len(statuses) - total}",
    ]
    for module in modules:
        mine = [s for n, s in checked.items() if module_of(n) == module]
        dead = sum(1 for s in mine if s in KILLED)
        lines.append(f"  {module}.py: {dead}/{len(mine)} killed")
    lines += ["", f"Survivors ({len(survivors)}), each with its explanation in docs/mutation.md:"]
    unexplained = 0
    for name in survivors:
        module, function = module_of(name), function_of(name)
        removed, added = changed_lines(name)
        number = line_number(module, function, removed)
        lines.append(f"- {name} ({checked[name]}), tripletex/transfer/{module}.py:{number} in {function}()")
        lines += [f"    - {text.strip()}" for text in removed.splitlines()]
        lines += [f"    + {text.strip()}" for text in added.splitlines()]
        if name in why:
            lines.append(f"    why: {why[name]}")
        else:
            unexplained += 1
            lines.append("    why: NOT EXPLAINED: kill it with a test or explain it in docs/mutation.md")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwritten to {OUT.relative_to(ROOT)}")
    if unexplained:
        print(f"{unexplained} survivor(s) without an explanation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
