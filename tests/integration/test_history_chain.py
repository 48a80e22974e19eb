"""The hash-chained history on SQLite and PostgreSQL: links recorded by the projection,
`procurement verify` recomputing them from the stored bytes, a change made directly in
the database found at exactly the event changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from domain.clock import FixedClock
from domain.examples import Parties, example_position, walk_to
from domain.history_chain import GENESIS, StoredFact, link
from domain.participants.sealing import PersonalDetails
from domain.past import Moment
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate
from domain.service import ProcurementService
from domain.values import TargetGroup
from projections.history_chain import HistoryChain
from projections.runner import ProjectionRunner
from tests.integration.conftest import TODAY
from tests.integration.test_routing import write_routing
from web.bootstrap import build_service
from web.cli import main

EnvDict = dict[str, str]


@pytest.fixture
def open_built(clock: FixedClock) -> Iterator[Callable[[EnvDict], ProcurementService]]:
    opened: list[ProcurementService] = []

    def open_(env: EnvDict) -> ProcurementService:
        service = build_service(env, clock)
        opened.append(service)
        return service

    yield open_
    for service in opened:
        service.close()


def verify(env: EnvDict, *ids: UUID) -> Result:
    return CliRunner().invoke(main, ["verify", *map(str, ids)], env=env,
                              catch_exceptions=False)


def tamper(env: EnvDict, procurement_id: UUID, version: int,
           change: Callable[[bytes], bytes]) -> None:
    """Change one stored event's bytes in the database itself, as someone with access to
    the database (not to the service) could."""
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        with sqlite3.connect(env["SQLITE_DBNAME"]) as db:
            where = (procurement_id.hex, version)
            (state,) = db.execute("SELECT state FROM stored_events WHERE originator_id = ? "
                                  "AND originator_version = ?", where).fetchone()
            db.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND "
                       "originator_version = ?", (change(bytes(state)), *where))
        return
    table = sql.Identifier(env.get("POSTGRES_SCHEMA", "public"), "procurement_events")
    with psycopg.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]),
                         user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"],
                         dbname=env["POSTGRES_DBNAME"], autocommit=True) as db:
        row = db.execute(sql.SQL("SELECT state FROM {} WHERE originator_id = %s AND "
                                 "originator_version = %s").format(table),
                         (procurement_id, version)).fetchone()
        assert row is not None
        db.execute(sql.SQL("UPDATE {} SET state = %s WHERE originator_id = %s AND "
                           "originator_version = %s").format(table),
                   (change(bytes(row[0])), procurement_id, version))


def version_of(service: ProcurementService, procurement_id: UUID, event_type: str) -> int:
    _, history = service.inspect(procurement_id)
    (version,) = [e.version for e in history if e.event_type == event_type]
    return version


def test_an_untouched_store_verifies_clean(durable_env: EnvDict, parties: Parties,
                                           open_built: Callable[[EnvDict], ProcurementService]
                                           ) -> None:
    service = open_built(durable_env)
    first = walk_to(service, parties, State.DELIVERY).procurement_id
    second = walk_to(service, parties, State.TENDERING).procurement_id
    result = verify(durable_env)
    assert result.exit_code == 0, result.output
    assert "Clean: 2 procurement(s)" in result.output
    for case_id in (first, second):
        report = service.verify_stored_history(case_id)
        assert report.clean
        assert report.checked == service.inspect(case_id)[0].version
        assert report.head is not None
        assert f"{case_id}  head at version {report.head.version}: {report.head.link}" in (
            result.output)


def test_changing_one_stored_event_makes_verify_report_exactly_that_event(
        durable_env: EnvDict, parties: Parties,
        open_built: Callable[[EnvDict], ProcurementService]) -> None:
    service = open_built(durable_env)
    case_id = walk_to(service, parties, State.DELIVERY).procurement_id
    other_id = walk_to(service, parties, State.DELIVERY).procurement_id
    assert verify(durable_env).exit_code == 0
    awarded = version_of(service, case_id, "Awarded")
    recorded = service.history_chain.links(case_id)[awarded]  # type: ignore[union-attr]
    decided = service.inspect(case_id)[0].award.decided_on  # type: ignore[union-attr]
    earlier = decided - timedelta(days=7)

    # Back-date the award decision by a week, keeping the event readable.
    tamper(durable_env, case_id, awarded,
           lambda state: state.replace(decided.isoformat().encode(),
                                       earlier.isoformat().encode()))

    reread = build_service(durable_env, FixedClock(TODAY))
    try:  # the service itself reads the forged date without complaint...
        assert reread.inspect(case_id)[0].award.decided_on == earlier  # type: ignore[union-attr]
        report = reread.verify_stored_history(case_id)
    finally:
        reread.close()
    # ...the chain does not.
    assert report.broken is not None
    assert (report.broken.procurement_id, report.broken.version) == (case_id, awarded)
    assert report.broken.expected == recorded
    assert report.broken.found not in (None, recorded)
    assert report.checked == awarded - 1  # every event before it still verifies
    result = verify(durable_env)
    assert result.exit_code == 1
    breaks = [line for line in result.output.splitlines() if line.startswith("BREAK")]
    assert breaks == [f"BREAK in procurement {case_id} at version {awarded}: expected "
                      f"{recorded}, found {report.broken.found}"]
    assert verify(durable_env, other_id).exit_code == 0


def test_a_deleted_event_is_reported_as_missing(sqlite_env: EnvDict, parties: Parties,
                                                open_built: Callable[[EnvDict],
                                                                     ProcurementService]
                                                ) -> None:
    service = open_built(sqlite_env)
    case_id = walk_to(service, parties, State.STANDSTILL).procurement_id
    ProjectionRunner(service, HistoryChain).catch_up()
    last = service.inspect(case_id)[0].version
    with sqlite3.connect(sqlite_env["SQLITE_DBNAME"]) as db:
        db.execute("DELETE FROM stored_events WHERE originator_id = ? AND "
                   "originator_version = ?", (case_id.hex, last))
    result = verify(sqlite_env, case_id)
    assert result.exit_code == 1
    assert (f"BREAK in procurement {case_id} at version {last}: expected "
            f"{service.history_chain.links(case_id)[last]}, found (the event is missing"  # type: ignore[union-attr]
            ) in result.output


def test_appending_after_verify_extends_the_chain(durable_env: EnvDict, parties: Parties,
                                                  open_built: Callable[[EnvDict],
                                                                       ProcurementService]
                                                  ) -> None:
    service = open_built(durable_env)
    case_id = walk_to(service, parties, State.TENDERING).procurement_id
    assert verify(durable_env).exit_code == 0
    before = service.chain_head(parties.authority, case_id)
    assert before is not None

    service.close_tendering(parties.authority, case_id)
    ProjectionRunner(service, HistoryChain).catch_up()

    after = service.chain_head(parties.authority, case_id)
    assert after is not None
    assert after.version == before.version + 1
    (stored,) = service.recorder.select_events(case_id, gt=before.version)
    assert after.link == link(before.link, StoredFact.of(stored))
    assert verify(durable_env).exit_code == 0


def test_the_chain_covers_the_encrypted_bytes_and_erasure_does_not_break_it(
        sqlite_env: EnvDict, parties: Parties,
        open_built: Callable[[EnvDict], ProcurementService]) -> None:
    from eventsourcing.cryptography import AESCipher

    env = {**sqlite_env, "CIPHER_KEY": AESCipher.create_key(32)}
    service = open_built(env)
    case_id = walk_to(service, parties, State.DELIVERY).procurement_id
    person_id, reference = service.register_participant(parties.matcher, PersonalDetails(
        name="Zlatan Qwertyson", personal_number=None, email="zq@example.se",
        phone="070-123 45 67", target_group=TargetGroup.LONG_TERM_UNEMPLOYED,
        eligibility_attested=True))
    position = example_position(service.clock.today())
    service.offer_position(parties.supplier, case_id, position)
    service.propose_candidate(parties.matcher, case_id, Candidate(
        uuid4(), position.position_id, reference, TargetGroup.LONG_TERM_UNEMPLOYED, True))
    ProjectionRunner(service, HistoryChain).catch_up()

    first = service.recorder.select_events(case_id, limit=1)[0]
    assert b"KS 2026/0117" not in bytes(first.state)  # what is hashed is the ciphertext
    assert service.history_chain.links(case_id)[1] == link(  # type: ignore[union-attr]
        GENESIS, StoredFact.of(first))

    service.erase_participant(parties.matcher, person_id, "asked_to_be_erased")
    result = verify(env)
    assert result.exit_code == 0, result.output
    assert service.verify_stored_history(case_id).checked == service.inspect(
        case_id)[0].version



@pytest.mark.postgres
def test_with_authorities_in_several_stores_each_case_is_chained_and_checked_in_its_own(
        postgres_schema_factory: Callable[[], EnvDict], tmp_path: Path, clock: FixedClock,
        parties: Parties) -> None:
    home_env, north_env = postgres_schema_factory(), postgres_schema_factory()
    north = Parties()
    routing = write_routing(tmp_path / "routing.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                            {north.authority.organisation_id: "north"})
    env = {**home_env, "PROCUREMENT_ROUTING": str(routing)}
    routed = build_service(env, clock)
    try:
        in_north = walk_to(routed, north, State.STANDSTILL).procurement_id
        at_home = walk_to(routed, parties, State.DRAFT).procurement_id
        result = verify(env)
        assert result.exit_code == 0, result.output
        assert "Clean: 2 procurement(s)" in result.output
        assert routed.chained_case_ids() == [at_home, in_north]  # store by store
        past = routed.case_as_of(north.authority, in_north, Moment(version=1))
        assert past.view.state is State.DRAFT and past.view.version == 1

        tamper(north_env, in_north, 2, lambda state: state.replace(b"24", b"12", 1))
        result = verify(env)
        assert result.exit_code == 1
        assert f"BREAK in procurement {in_north} at version 2:" in result.output
        assert routed.verify_history(parties.authority, at_home).clean
    finally:
        routed.close()
