"""Every benchmark in one command: a table on the terminal, and docs/benchmarks.md.

    .venv/bin/python -m tests.benchmarks.run            # full sizes, writes docs/benchmarks.md
    .venv/bin/python -m tests.benchmarks.run --quick    # smaller, a few minutes, prints only
    .venv/bin/python -m tests.benchmarks.run --only service,portal

Needs PostgreSQL on 127.0.0.1:5432 (trust authentication, user postgres): each benchmark
makes a throw-away database and drops it. It runs every module `tests/benchmarks/bench_*.py`,
one after the other: those that define `results(size) -> list[Result]`
(tests/benchmarks/common.py) give rows of one table; any other is run as a program and its
printed tables are kept as they are. The report goes between the markers below in
docs/benchmarks.md, with the date, the machine and the load, leaving the rest of the file
as it is.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests import benchmarks
from tests.benchmarks.common import ROOT, SIZES, Result, Size, postgres_version

BEGIN = "<!-- BEGIN tests/benchmarks/run.py: generated, do not edit by hand -->"
END = "<!-- END tests/benchmarks/run.py -->"
DOCS = ROOT / "docs" / "benchmarks.md"


def modules() -> list[str]:
    """Every bench_* module's short name (bench_service → service), in name order."""
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(benchmarks.__path__)
                  if m.name.startswith("bench_"))


@dataclass
class Collected:
    rows: list[Result] = field(default_factory=list)
    own_tables: dict[str, str] = field(default_factory=dict)  # module → its printed output
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def collect(names: Sequence[str], size: Size) -> Collected:
    """Each module's rows. A module without `results(size)` is run as a program of its own
    (`python -m tests.benchmarks.bench_NAME`, its default sizes) and its printed tables are
    kept as they are, except at the smoke size, where it is skipped. A module that fails is
    reported, and the others still run."""
    found = Collected()
    for name in names:
        module = importlib.import_module(f"tests.benchmarks.bench_{name}")
        measure = getattr(module, "results", None)
        if measure is None and size.name == "smoke":
            found.skipped.append(f"bench_{name} (defines no results(size))")
            continue
        started = time.monotonic()
        print(f"… bench_{name}", file=sys.stderr, flush=True)
        try:
            if measure is None:
                found.own_tables[name] = _run_on_its_own(name)
            else:
                found.rows.extend(measure(size))
        except Exception as error:
            # One broken benchmark must not hide the others' numbers.
            traceback.print_exc()
            found.problems.append(f"bench_{name} failed: {type(error).__name__}: {error}")
        print(f"  bench_{name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return found


def _run_on_its_own(name: str) -> str:
    done = subprocess.run([sys.executable, "-m", f"tests.benchmarks.bench_{name}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=3 * 3600, check=True)
    return done.stdout.strip()


def table(rows: Sequence[Result]) -> str:
    lines = ["| area | measure | value | target | met | note |", "|---|---|---:|---|---|---|"]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.area} | {r.measure} | {r.value} | {r.target} | {met} | {r.note} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next((int(line.split()[1]) // (1024 * 1024) for line in
                   Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} cores (`nproc`), {cpu}, {memory} GiB, Python "
            f"{platform.python_version()}, PostgreSQL {postgres_version()} on loopback")


def report(found: Collected, size: Size, seconds: float, load: tuple[float, float]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m tests.benchmarks.run" + ("" if size.name == "full"
                                                   else f" --size {size.name}")
    parts = [f"Measured {when} on {machine()}; `{command}` took {seconds / 60:.0f} min, "
             f"load average {load[0]:.1f} at the start and {load[1]:.1f} at the end "
             "(other people's work shares the machine).", "", table(found.rows)]
    for name, output in found.own_tables.items():
        parts += ["", f"`bench_{name}` (its own tables, run as "
                      f"`python -m tests.benchmarks.bench_{name}`):", "", output]
    if found.problems or found.skipped:
        parts += ["", "Not measured:", "",
                  *(f"- {p}" for p in [*found.problems, *found.skipped])]
    return "\n".join(parts)


def write_docs(text: str, path: Path = DOCS) -> None:
    """Put `text` between the markers, adding them at the end the first time."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_const", const="quick", dest="size",
                        help="smaller sizes, prints only (unless --write)")
    parser.add_argument("--size", choices=SIZES, default=None)
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(modules()))
    parser.add_argument("--write", type=Path, default=None,
                        help="the file to write (default docs/benchmarks.md for full size)")
    args = parser.parse_args(argv)
    size = SIZES[args.size or "full"]
    names = [n for n in args.only.split(",") if n] or modules()
    unknown = set(names) - set(modules())
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    started, load_before = time.monotonic(), os.getloadavg()[0]
    found = collect(names, size)
    text = report(found, size, time.monotonic() - started, (load_before, os.getloadavg()[0]))
    print(text)
    target = args.write or (DOCS if size.name == "full" and not args.only else None)
    if target is not None:
        write_docs(text, target)
        print(f"\nwritten to {target}", file=sys.stderr)
    return 1 if found.problems else 0


if __name__ == "__main__":
    sys.exit(main())
