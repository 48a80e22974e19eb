"""Retention of the participant register: the scheduler's retention job erases the people
whose last follow-up checkpoint (or, with none, their registration) is older than
PROCUREMENT_RETENTION_MONTHS, as the operator, with the reason retention_period_passed, and
reports them by reference; `procurement scheduler once` prints that report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from click.testing import CliRunner

from domain.clock import FixedClock
from domain.errors import ConfigurationError, ParticipantErased
from domain.examples import Parties, place_person
from domain.participants.participant import ERASED
from domain.participants.sealing import PersonalDetails
from domain.service import ProcurementService
from domain.values import TargetGroup
from projections import retention
from projections.db import Database
from projections.retention import Retention
from projections.runner import ProjectionRunner
from scheduler import runner
from scheduler.retention import MONTHS_SETTING, RetentionJob, retention_months
from tests.integration.conftest import TODAY
from web.bootstrap import build_service
from web.cli import main

GROUP = TargetGroup.LONG_TERM_UNEMPLOYED
NAME = "Zlatan Qwertyson"


def details(name: str = NAME) -> PersonalDetails:
    return PersonalDetails(name=name, personal_number=None, email="zq@example.se",
                           phone="070-123 45 67", target_group=GROUP,
                           eligibility_attested=True)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def service(durable_env: dict[str, str], clock: FixedClock
            ) -> Iterator[ProcurementService]:
    service = build_service(durable_env, clock)
    yield service
    service.close()


def followed_up(service: ProcurementService, parties: Parties, reference: str,
                start: date) -> UUID:
    """A case employing the person from `start`, with its start checkpoint recorded."""
    placed = place_person(service, parties, reference, GROUP, start)
    service.record_checkpoint(parties.matcher, placed.procurement_id, placed.placement_ids[0],
                              "start", start, {"employment_status": "same_employer"})
    return placed.procurement_id


def erasures(service: ProcurementService, participant_id: UUID) -> list[str]:
    return [e.reason for e in service.events.get(participant_id)  # type: ignore[attr-defined]
            if isinstance(e, ERASED)]


def test_the_job_erases_who_is_past_the_period_and_keeps_who_is_not(
        service: ProcurementService, parties: Parties, clock: FixedClock) -> None:
    today = clock.today()
    old_id, old_ref = service.register_participant(parties.matcher, details())
    new_id, new_ref = service.register_participant(parties.matcher, details("Other Person"))
    idle_id, idle_ref = service.register_participant(parties.matcher, details("Third One"))
    followed_up(service, parties, old_ref, today - timedelta(days=40))
    followed_up(service, parties, new_ref, today - timedelta(days=1))
    clock.advance(timedelta(days=10))  # old: 50 days since its checkpoint; new: 11
    job = RetentionJob(service, months=1)

    first = job()
    assert first.fresh and first.erased == [old_ref] and first.count == 1
    assert first.looked_at == 3
    assert old_ref in first.summary() and "1 participant(s) erased" in first.summary()
    assert NAME not in first.summary()
    with pytest.raises(ParticipantErased):
        service.read_participant(parties.matcher, old_id, where="test")
    assert erasures(service, old_id) == ["retention_period_passed"]
    for kept in (new_id, idle_id):
        assert service.read_participant(parties.matcher, kept, where="test").reference
    # The read model knows who is erased now.
    assert {k.reference for k in retention.kept(Database.of(service))} == {new_ref, idle_ref}

    again = job()
    assert again.erased == [] and again.refused == [] and again.looked_at == 2
    assert erasures(service, old_id) == ["retention_period_passed"]

    # A month on, the recent one's checkpoint and the idle one's registration are past it.
    clock.advance(timedelta(days=31))
    later = job()
    assert sorted(later.erased) == sorted([new_ref, idle_ref])
    assert job().count == 0
    for gone in (old_id, new_id, idle_id):
        assert erasures(service, gone) == ["retention_period_passed"]


def test_the_scheduler_runs_retention_as_a_leader_only_job(
        service: ProcurementService, parties: Parties, clock: FixedClock,
        durable_env: dict[str, str]) -> None:
    _, reference = service.register_participant(parties.matcher, details())
    followed_up(service, parties, reference, clock.today() - timedelta(days=3))
    jobs = runner.Scheduler(service, env={MONTHS_SETTING: "36"})
    assert jobs.settings.retention_months == 36
    try:
        assert jobs.run_retention().report.erased == []
        clock.advance(timedelta(days=366 * 3))
        run = jobs.run_retention()
        assert run.outcome == runner.DONE and run.report.erased == [reference]
        assert f"1 participant(s) erased past the 36-month retention period ({reference})" \
            in run.summary
        assert jobs.run_retention().report.erased == []
        last = {r.job: r for r in runner.last_runs(service)}
        assert last[runner.RETENTION].outcome == runner.DONE
    finally:
        jobs.leader.release()


def test_the_read_model_holds_the_last_checkpoint_per_reference(
        service: ProcurementService, parties: Parties, clock: FixedClock) -> None:
    _, reference = service.register_participant(parties.matcher, details())
    first = clock.today() - timedelta(days=20)
    followed_up(service, parties, reference, first)
    followed_up(service, parties, reference, first + timedelta(days=5))
    ProjectionRunner(service, Retention).catch_up()
    [person] = retention.kept(Database.of(service))
    assert (person.reference, person.last_checkpoint_on, person.registered_on) == (
        reference, first + timedelta(days=5), clock.today())
    assert person.since == first + timedelta(days=5)


def test_scheduler_once_erases_and_prints_references_never_names(
        sqlite_env: dict[str, str], parties: Parties) -> None:
    long_ago = FixedClock(datetime(2019, 3, 1, 10, 0, tzinfo=UTC))
    past = build_service(sqlite_env, long_ago)
    try:
        participant_id, reference = past.register_participant(parties.matcher, details())
        followed_up(past, parties, reference, long_ago.today() - timedelta(days=2))
    finally:
        past.close()
    first = CliRunner().invoke(main, ["scheduler", "once"], env=sqlite_env,
                               catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert (f"retention: done: {date.today()}: 1 participant(s) erased past the 36-month "
            f"retention period ({reference})") in first.output
    assert NAME not in first.output
    again = CliRunner().invoke(main, ["scheduler", "once"], env=sqlite_env,
                               catch_exceptions=False)
    assert "retention: done" in again.output and "0 participant(s) erased" in again.output
    check = build_service(sqlite_env, FixedClock(datetime.now(UTC)))
    try:
        assert erasures(check, participant_id) == ["retention_period_passed"]
    finally:
        check.close()


@pytest.mark.parametrize("value", ["0", "-3", "twelve", "1.5", "1201"])
def test_the_retention_setting_is_checked(value: str) -> None:
    with pytest.raises(ConfigurationError, match=MONTHS_SETTING):
        retention_months({MONTHS_SETTING: value})
    with pytest.raises(ConfigurationError, match=MONTHS_SETTING):
        runner.Settings.from_env({MONTHS_SETTING: value})


def test_the_retention_setting_defaults_to_36_months() -> None:
    assert retention_months({}) == 36
    assert retention_months({MONTHS_SETTING: " 24 "}) == 24


def test_a_wrong_retention_setting_stops_the_command_with_a_clear_message(
        sqlite_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["scheduler", "once"],
                                env={**sqlite_env, MONTHS_SETTING: "never"},
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert f"Configuration error: {MONTHS_SETTING} must be a whole number" in result.output
