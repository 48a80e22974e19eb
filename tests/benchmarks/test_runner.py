"""The benchmark runner works: at the smoke size every benchmark gives its rows, and the
report replaces only its own section of docs/benchmarks.md. No timing is asserted here;
the numbers belong to docs/benchmarks.md (tests/benchmarks/run.py)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.benchmarks import run

# One measure of each row every benchmark of ours gives (others' modules add theirs).
EXPECTED = {
    "service": ["raw library saves/s", "service commands/s in-process", "HTTP commands/s, 8",
                "HTTP command latency p50 / p99", "CPU per HTTP command, by process",
                "read models behind at the end of the load",
                "HTTP write, then the task list with its Log-Position",
                "cached in the process", "with snapshots", "full replay",
                "web worker (gunicorn)", "projection follower"],
    "projections": ["read + decode the log", "catch-up audit_trail", "catch-up case_list",
                    "audit_trail (extrapolated)", "all, one after another",
                    "at once, a process each"],
    "growth": ["add_dialogue_note (in-process) p50 / p99", "open a case (get_case) p50 / p99",
               "the authority's case list (read model) p50 / p99", "bulk cases"],
    "lock_wait": ["service commands, 1 schema", "service commands, 2 schemas",
                  "raw library saves, 1 schema", "raw library saves, 2 schemas"],
    "portal": ["start page (inbox + case list, 16 cases) p50 / p99",
               "web worker (gunicorn), portal load"],
    "scheduler": ["scan: open items", "scheduler round"],
    "history": ["chain catch-up", "verify one case of", "as-of view at version",
                "diff version 1"],
}


def test_write_docs_replaces_only_its_own_section(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Others' section\n\nkept as it is\n", encoding="utf-8")
    run.write_docs("first report", docs)
    run.write_docs("second report", docs)
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## Others' section\n\nkept as it is\n")
    assert text.count(run.BEGIN) == text.count(run.END) == 1
    assert "second report" in text and "first report" not in text


@pytest.mark.postgres
def test_every_benchmark_gives_its_rows_at_the_smoke_size(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Others' section\n", encoding="utf-8")
    assert run.main(["--size", "smoke", "--write", str(docs)]) == 0
    text = docs.read_text(encoding="utf-8")
    assert "## Others' section" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]
    assert set(EXPECTED) <= set(run.modules())
    for name, measures in EXPECTED.items():
        for measure in measures:
            assert any(measure in row for row in rows), f"bench_{name}: no row {measure!r}"
    with_results = [n for n in run.modules()
                    if hasattr(importlib.import_module(f"tests.benchmarks.bench_{n}"),
                               "results")]
    assert set(EXPECTED) <= set(with_results)
    # Every row has a value; "Not measured" would list a benchmark that failed.
    assert all(row.split(" | ")[2].strip() for row in rows)
    assert "failed" not in text
