"""The `procurement` command, run as a person at the shell would (settings from the
environment), through click's CliRunner."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner, Result

from domain.procurement.lifecycle import State
from web import demo
from web.bootstrap import build_service
from web.cli import main

EnvDict = dict[str, str]


def run(env: EnvDict, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def states_in(env: EnvDict) -> Counter[State]:
    service = build_service(env)
    try:
        return Counter(service.inspect(case_id)[0].state for case_id in service.all_case_ids())
    finally:
        service.close()


def test_demo_creates_one_procurement_in_every_state(sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "demo")
    assert result.exit_code == 0, result.output
    assert states_in(sqlite_env) == Counter(set(State))
    assert "Created 8 procurements" in result.output
    for case in demo.CASES:
        assert case.state.value in result.output
        assert case.reference in result.output
        assert case.title in result.output


def test_demo_run_twice_adds_nothing_the_second_time(sqlite_env: EnvDict) -> None:
    assert run(sqlite_env, "demo").exit_code == 0
    again = run(sqlite_env, "demo")
    assert again.exit_code == 0  # `make run` runs it every time: refusing must not fail
    assert "already holds 8 procurement(s): nothing added" in again.output
    assert "--force" in again.output
    assert sum(states_in(sqlite_env).values()) == 8


def test_demo_with_force_adds_another_set(sqlite_env: EnvDict) -> None:
    run(sqlite_env, "demo")
    assert run(sqlite_env, "demo", "--force").exit_code == 0
    assert states_in(sqlite_env) == Counter({state: 2 for state in State})


def test_list_prints_every_case(sqlite_env: EnvDict) -> None:
    assert "No procurements yet" in run(sqlite_env, "list").output
    run(sqlite_env, "demo")
    result = run(sqlite_env, "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["STATE", "REFERENCE", "TITLE", "OWNER", "ID"]
    assert len(lines) == 1 + len(demo.CASES)
    for case in demo.CASES:
        assert case.title in result.output


def test_show_prints_the_case_its_compliance_and_full_history(sqlite_env: EnvDict) -> None:
    created = run(sqlite_env, "demo").output
    closed_id = next(line.split()[-1] for line in created.splitlines()
                     if line.startswith("closed "))
    result = run(sqlite_env, "show", closed_id)
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Snöröjning och halkbekämpning" in output
    assert "closed (Avslutad)" in output
    assert "Employment requirement" in output
    assert "12 of 24 full-time months (50 %)" in output
    assert "partly_met (decided: partly_met)" in output
    history = output.split("History (", 1)[1].splitlines()
    events = [line.split()[3] for line in history[2:] if line.strip()]
    assert events[0] == "Created" and events[-1] == "Closed"
    assert "CheckpointRecorded" in events
    assert "matcher    Arbetsförmedlingen" in output


def test_show_an_unknown_case_fails_with_a_message(sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "show", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code == 1
    assert "not found" in result.output


def test_show_refuses_a_malformed_id(sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "show", "not-a-uuid")
    assert result.exit_code == 2
    assert "not a valid UUID" in result.output


@pytest.mark.parametrize("command", [["list"], ["demo"], ["show", "0" * 32],
                                     ["serve", "--port", "1"]])
def test_a_bad_persistence_module_exits_2_naming_it(command: list[str]) -> None:
    result = run({"PERSISTENCE_MODULE": "eventsourcing.nosuch"}, *command)
    assert result.exit_code == 2
    assert "eventsourcing.nosuch" in result.output
    assert "Traceback" not in result.output


def test_missing_postgres_settings_exit_2_naming_them() -> None:
    result = run({"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "",
                  "POSTGRES_HOST": "", "POSTGRES_USER": ""}, "list")
    assert result.exit_code == 2
    assert "POSTGRES_DBNAME" in result.output


def test_projections_status_shows_the_lag_a_rebuild_brings_to_nought(sqlite_env: EnvDict) -> None:
    from projections.registry import PROJECTIONS

    run(sqlite_env, "demo")
    before = run(sqlite_env, "projections", "status")
    assert before.exit_code == 0, before.output
    lines = {line.split()[0]: line.split() for line in before.output.splitlines()[1:]}
    assert set(lines) == set(PROJECTIONS)
    head = int(lines["audit_trail"][2])
    assert head > 0 and int(lines["audit_trail"][3]) == head  # nothing applied yet
    rebuilt = run(sqlite_env, "projections", "rebuild", "audit_trail")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"audit_trail: {head} events applied from the start." in rebuilt.output
    after = run(sqlite_env, "projections", "status")
    row = next(line.split() for line in after.output.splitlines() if line.startswith("audit_"))
    assert (int(row[1]), int(row[3])) == (head, 0)


def test_projections_rebuild_refuses_an_unknown_name(sqlite_env: EnvDict) -> None:
    result = CliRunner().invoke(main, ["projections", "rebuild", "nosuch"], env=sqlite_env)
    assert result.exit_code == 2
    assert "nosuch" in result.output
