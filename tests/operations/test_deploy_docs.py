"""The deployment examples (docs/deploy/) say what the code does: every command they start
exists, and the example environment file passes the start-up check."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from web import bootstrap
from web.cli import main

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"


def _environment_file() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (DEPLOY / "procurement.env").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def _commands() -> list[list[str]]:
    """The `procurement` arguments every unit and the compose file start."""
    found = []
    for unit in DEPLOY.glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                for match in re.finditer(r"bin/procurement ([a-z -]+?)(?:;|'|$| %i)", line):
                    found.append(shlex.split(match.group(1)))
    compose = (DEPLOY / "compose.yaml").read_text()
    found += [shlex.split(m.replace('"', "").replace(",", " "))
              for m in re.findall(r"command: \[(.*)\]", compose)]
    return found


def test_the_example_environment_file_passes_the_start_up_check() -> None:
    assert bootstrap.check_settings(_environment_file()) == []


@pytest.mark.parametrize("arguments", _commands(), ids=" ".join)
def test_every_command_the_examples_start_exists(arguments: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*arguments, "--help"],
                                env={"PROCUREMENT_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output


def test_the_examples_start_every_kind_of_process() -> None:
    assert {" ".join(c) for c in _commands()} >= {
        "db init", "web", "projections run", "scheduler run"}
