"""The case's history on PostgreSQL: the hash chain's catch-up over a log, the check of one
long case (`procurement verify` of it), and the case as it stood at a past version and a
diff across the whole case, as the owner asks for them.

One case gets `size.case_events` events (dialogue notes, each its own command); the chain
read model then catches up from nothing.

    .venv/bin/python -m tests.benchmarks.run --only history
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from domain.clock import FixedClock
from domain.examples import Parties, example_setup
from domain.past import Moment
from domain.procurement.dialogue import Counterpart, DialogueNote
from projections.history_chain import HistoryChain
from projections.runner import ProjectionRunner
from tests.benchmarks.common import Result, Size, ms, postgres_database
from web.bootstrap import build_service

START = date(2026, 1, 5)


def results(size: Size) -> list[Result]:
    events = size.case_events
    with postgres_database() as env:
        clock = FixedClock(datetime(2026, 1, 5, 8, tzinfo=UTC))
        service = build_service(env, clock)
        try:
            parties = Parties()
            case_id = service.create_procurement(parties.authority, example_setup())
            for number in range(events - 1):
                clock.advance(timedelta(minutes=1))
                service.add_dialogue_note(parties.authority, case_id, DialogueNote(
                    Counterpart.UNION, "Byggnads", START + timedelta(days=number % 300),
                    f"Samtal {number}: synpunkter på kravnivån och handledning."))

            runner = ProjectionRunner(service, HistoryChain)
            started = time.perf_counter()
            runner.catch_up()
            catch_up = time.perf_counter() - started

            started = time.perf_counter()
            report = service.verify_stored_history(case_id)
            verify = time.perf_counter() - started
            assert report.clean and report.checked == events

            owner = parties.authority
            started = time.perf_counter()
            service.case_as_of(owner, case_id, Moment(version=events // 2 + 1))
            as_of = time.perf_counter() - started
            started = time.perf_counter()
            found = service.case_diff(owner, case_id, Moment(version=1), Moment())
            whole_diff = time.perf_counter() - started
            assert len(found.events) == events - 1
        finally:
            service.close()
    return [
        Result("history", f"chain catch-up, {events:,} events", f"{events / catch_up:,.0f}/s"),
        Result("history", f"verify one case of {events:,} events", ms(verify)),
        Result("history", f"as-of view at version {events // 2 + 1:,}", ms(as_of),
               note="history read + replay from the nearest snapshot"),
        Result("history", f"diff version 1 → {events:,}", ms(whole_diff),
               note="two replays and the flattening of both views"),
    ]


if __name__ == "__main__":
    from tests.benchmarks.common import SIZES

    for row in results(SIZES["quick"]):
        print(f"{row.measure:<45} {row.value:>14}  {row.note}")
