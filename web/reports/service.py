"""Who may have which report: the one entry point of the portals, the API and the jobs.

Every method takes the acting user and asks the access policy (domain/access.py) before
it reads anything; what the actor may not see at all answers `NotFound`, exactly like
something that does not exist, so a refusal reveals nothing.

Reports show people by pseudonym only, and no register entry is ever decrypted for one, so
producing a report reads no personal data and writes no read-log entry. Target groups
appear only where the policy lets the party see them (`may_see_target_groups`), and in
statistics only as suppressed counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from uuid import UUID

from domain import access
from domain.access import Command
from domain.errors import AccessDenied, NotFound
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections.db import Database
from web.labels import ROLES, STATES, event
from web.reports import audit_extract, follow_up, jobs, rendering, statistics
from web.reports.audit_extract import Scope
from web.reports.rendering import Producer
from web.reports.statistics import Statistics


class NoStatistics(NotFound):
    """Statistics of an authority the user may not read (or of none at all)."""

    def __init__(self) -> None:
        super().__init__("No statistics found")


ReadsOf = Callable[[UUID], Database]
"""Given an authority, the read models that hold its cases (with routing, its store's)."""


class Reports:
    def __init__(self, service: ProcurementService, reads_of: ReadsOf | None = None,
                 all_reads: Callable[[], Sequence[Database]] | None = None) -> None:
        self.service = service
        self._reads_of = reads_of
        # Every store's read models: one person may be placed by authorities in two stores.
        self._all_reads = all_reads

    def reads_of(self, authority_id: UUID) -> Database:
        """An authority's read models (opened on first use: the policy needs none)."""
        if self._reads_of is None:
            home = Database.of(self.service)
            self._reads_of = lambda _: home
        return self._reads_of(authority_id)

    def _audited(self, actor: Actor) -> Set[UUID]:
        if actor.role is not Role.AUDITOR:
            return frozenset()
        return self.service.audited_authorities(actor.organisation_id)

    def authorities(self, actor: Actor, command: Command = Command.VIEW_STATISTICS
                    ) -> list[UUID]:
        """The authorities whose statistics (or period extracts) the actor may have."""
        return access.authorities_allowing(command, actor, self._audited(actor))

    def statistics_scope(self, actor: Actor, authority_id: UUID | None) -> list[UUID]:
        """The authorities a statistics query of the actor covers: the one asked for, or
        all it may read; NoStatistics where that is none."""
        allowed = self.authorities(actor)
        if authority_id is not None:
            allowed = [a for a in allowed if a == authority_id]
        if not allowed:
            raise NoStatistics()
        return allowed

    def statistics(self, actor: Actor, authority_id: UUID | None, year: int) -> Statistics:
        """Every statistics table of one authority (the actor's own by default) and year."""
        chosen = self.statistics_scope(actor, authority_id)[0]
        reads = self.reads_of(chosen)
        everyone = self._all_reads() if self._all_reads else [reads]
        return statistics.of_authority(reads, chosen, year, self.service.clock.today(),
                                       everyone)

    # -- the producer ----------------------------------------------------------------------

    def producer(self, actor: Actor, language: str) -> Producer:
        """The user producing a report, now, in their language."""
        return Producer(self.service.user(actor.user_id).name,
                        self.service.organisation(actor.organisation_id).name,
                        self.service.clock.now(), language)

    def _name(self, organisation_id: UUID | None) -> str:
        if organisation_id is None:
            return "–"
        try:
            return self.service.organisation(organisation_id).name
        except NotFound:
            return str(organisation_id)

    # -- the follow-up report of one procurement -----------------------------------------------

    def follow_up(self, actor: Actor, procurement_id: UUID) -> follow_up.FollowUp:
        """What the follow-up report shows the actor (404 for a case it may not see)."""
        view = self.service.get_case(actor, procurement_id)
        if not access.allows(Command.PRODUCE_FOLLOW_UP_REPORT, view.parts):
            raise AccessDenied(Command.PRODUCE_FOLLOW_UP_REPORT.value)
        return follow_up.build(
            self.reads_of(view.owner_id), view, today=self.service.clock.today(),
            owner_name=self._name(view.owner_id),
            supplier_name=self._name(view.award.supplier_id if view.award else None),
            shows_target_groups=access.may_see_target_groups(view.parts))

    def follow_up_html(self, actor: Actor, procurement_id: UUID, language: str, *,
                       stylesheet_href: str | None = None, back_href: str | None = None
                       ) -> str:
        report = self.follow_up(actor, procurement_id)
        producer = self.producer(actor, language)
        case = report.case
        return rendering.render_html(
            "follow_up.html", producer, stylesheet_href=stylesheet_href, back_href=back_href,
            title=producer.t("Uppföljningsrapport", "Follow-up report") + ": "
            + case.setup.title, subtitle=case.setup.reference, report=report,
            state_label=STATES[case.state], labels=follow_up.LABELS,
            months_chart=follow_up.chart_of_months(report, producer),
            outcomes_chart=follow_up.chart_of_outcomes(report, producer))

    def follow_up_pdf(self, actor: Actor, procurement_id: UUID, language: str) -> bytes:
        html = self.follow_up_html(actor, procurement_id, language)
        return rendering.to_pdf(html, self.producer(actor, language))

    # -- the audit extract: in the background (web/reports/jobs.py) --------------------------

    def job_store(self) -> jobs.JobStore:
        return jobs.JobStore(Database.of(self.service), self.service.clock.now)

    def _extract_reads(self, actor: Actor, scope: Scope) -> tuple[Database, str]:
        """The read models an extract of the scope reads, and its subtitle, once the policy
        allows the actor the extract (404 for what it may not see at all)."""
        if scope.procurement_id is not None:
            view = self.service.get_case(actor, scope.procurement_id)
            if not access.allows(Command.PRODUCE_AUDIT_EXTRACT, view.parts):
                raise AccessDenied(Command.PRODUCE_AUDIT_EXTRACT.value)
            return self.reads_of(view.owner_id), f"{view.setup.reference} {view.setup.title}"
        if scope.authority_id is None or scope.authority_id not in self.authorities(
                actor, Command.PRODUCE_AUDIT_EXTRACT):
            raise NoStatistics()
        period = f"{scope.since or '…'} – {scope.until or '…'}"
        return self.reads_of(scope.authority_id), f"{self._name(scope.authority_id)}, {period}"

    def request_audit_extract(self, actor: Actor, scope: Scope, language: str) -> UUID:
        """Queue the extract for the background worker; the job's id."""
        self._extract_reads(actor, scope)
        return self.job_store().submit(actor, jobs.AUDIT_EXTRACT, scope.as_params(), language)

    def produce_audit_extract(self, job: jobs.Job, actor: Actor,
                              progress: Callable[[int, str, int], None]
                              ) -> tuple[bytes, bytes, str]:
        """The worker's part: the extract's PDF, its JSON Lines and their digest."""
        scope = Scope.from_params(job.params)
        reads, subtitle = self._extract_reads(actor, scope)
        producer = self.producer(actor, job.language)
        progress(5, "reading", 0)
        entries = audit_extract.entries(reads, scope,
                                        lambda n: progress(min(5 + n // 500, 30), "reading", n))
        head = audit_extract.chain_head(self.service, actor, scope, entries)  # as stored
        entries = audit_extract.as_seen(self.service, actor, entries)
        digest = audit_extract.history_digest(entries)
        progress(35, "layout", len(entries))
        names: dict[UUID | None, str] = {}
        rows = [(e, producer.pick(event(e.event_type)),
                 names.setdefault(e.organisation_id, self._name(e.organisation_id)),
                 _party(e.party, producer), e.summary_en if job.language == "en"
                 else e.summary_sv) for e in entries]
        html = rendering.render_html(
            "audit_extract.html", producer,
            title=producer.t("Granskningsutdrag", "Audit extract"), subtitle=subtitle,
            rows=rows, digest=digest, algorithm=audit_extract.DIGEST_ALGORITHM,
            chain_head=head, procurement_id=scope.procurement_id,
            first=entries[0] if entries else None, last=entries[-1] if entries else None,
            local=rendering.LOCAL_TIME)
        pdf = rendering.to_pdf(html, producer)
        progress(95, "writing", len(entries))
        return pdf, audit_extract.to_jsonl(entries), digest


    # -- the annual report of an authority ------------------------------------------------------

    def annual_html(self, actor: Actor, authority_id: UUID | None, year: int, language: str,
                    *, stylesheet_href: str | None = None, back_href: str | None = None
                    ) -> str:
        """The authority's statistics of a year as a report, every cell suppressed as on
        the statistics page (the very same tables)."""
        stats = self.statistics(actor, authority_id, year)
        producer = self.producer(actor, language)
        name = self._name(stats.authority_id)
        return rendering.render_html(
            "annual.html", producer, stylesheet_href=stylesheet_href, back_href=back_href,
            title=producer.t(f"Årsrapport {year}", f"Annual report {year}"), subtitle=name,
            stats=stats, charts=statistics.charts(stats, language), year=year)

    def annual_pdf(self, actor: Actor, authority_id: UUID | None, year: int,
                   language: str) -> bytes:
        html = self.annual_html(actor, authority_id, year, language)
        return rendering.to_pdf(html, self.producer(actor, language))


def _party(code: str | None, producer: Producer) -> str:
    for role, label in ROLES.items():
        if role.value == code:
            return producer.pick(label)
    return "–"
