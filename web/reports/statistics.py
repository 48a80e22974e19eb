"""The statistics tables of one authority and year, as every output shows them: the
statistics page, the annual report (PDF), the CSV and XLSX downloads. The JSON API reads
the same queries (projections/statistics.py) and applies the same suppression.

Three tables, each from one grouping only (projections/statistics.py says why two
groupings of the same people must not sit side by side):

- `industries`: contracts running in the year by industry (CPV division): contracts, people
  placed and full-time months delivered by the end of the year (or today), and the same
  months with each person's time counted once across every procurement (the earlier
  placement keeps shared months: projections/double_counts.py). People and their months
  are suppressed under 5 people, each industry on its own, and no total is shown.
- `outcomes`: employment status per target group and checkpoint (the query's suppression).
- `sme`: the SMEs' share of tenders and of awards in the year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from markupsafe import Markup

from domain.procurement.followup_plan import EMPLOYMENT_STATUSES
from domain.values import TargetGroup
from projections import case_list, compliance, double_counts
from projections import statistics as queries
from projections.db import Database
from projections.labels import Label
from projections.labels import checkpoint as checkpoint_label
from projections.statistics import suppress
from web import labels
from web.portals.vocabulary import option
from web.reports import charts as charts_module

Cell = str | int | Decimal | Label | None  # None: suppressed


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    numeric: bool = True


@dataclass(frozen=True)
class StatTable:
    key: str  # industries, outcomes, sme
    title: Label
    note: Label
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, key: str) -> list[Cell]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Statistics:
    authority_id: UUID
    year: int
    industries: StatTable
    outcomes: StatTable
    sme: StatTable
    outcome_groups: tuple[queries.OutcomeGroup, ...]
    sme_shares: tuple[queries.SmeShare, ...]

    @property
    def tables(self) -> tuple[StatTable, ...]:
        return (self.industries, self.outcomes, self.sme)

    def table(self, key: str) -> StatTable:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


TABLE_KEYS = ("industries", "outcomes", "sme")
CHECKPOINT_ORDER = ("start", "during", "exit", "after_exit_3", "after_exit_6",
                    "after_exit_12", "after_exit_24")
DURING = Label("Under anställningen", "During the placement")


def checkpoint_kind_label(kind: str) -> Label:
    return DURING if kind == "during" else checkpoint_label(kind)


def target_group_label(code: str) -> Label:
    try:
        return labels.of(TargetGroup(code), labels.TARGET_GROUPS)
    except ValueError:
        return Label(code, code)


def industry_label(division: str | None) -> Label:
    if not division:
        return Label("Okänd bransch", "Unknown industry")
    return Label(f"CPV {division}", f"CPV {division}")


def of_authority(db: Database, authority_id: UUID, year: int, today: date,
                 everyone: Sequence[Database] | None = None) -> Statistics:
    """Every statistics table of one authority for one year. `everyone`: the read models
    of every store, where a person's other placements may be (default: `db`'s only)."""
    groups = queries.outcomes(db, group_by=("authority", "year"), authority_ids=[authority_id],
                              year=year)
    groups.sort(key=lambda g: (g.target_group, _kind_order(g.checkpoint_kind)))
    shares = queries.sme_shares(db, group_by=("authority", "year"),
                                authority_ids=[authority_id], year=year)
    return Statistics(authority_id, year,
                      _industries(db, authority_id, year, today, everyone or [db]),
                      _outcomes(groups), _sme(shares), tuple(groups), tuple(shares))


def _kind_order(kind: str) -> int:
    return CHECKPOINT_ORDER.index(kind) if kind in CHECKPOINT_ORDER else len(CHECKPOINT_ORDER)


def _industries(db: Database, authority_id: UUID, year: int, today: date,
                everyone: Sequence[Database]) -> StatTable:
    as_of = min(date(year, 12, 31), today)
    running = [c for c in compliance.contracts(db, owner_id=authority_id, as_of=as_of)
               if _runs_in(c, year)]
    divisions = case_list.cpv_divisions(db, [c.procurement_id for c in running])
    by_industry: dict[str | None, list[compliance.ContractCompliance]] = defaultdict(list)
    for contract in running:
        by_industry[divisions.get(contract.procurement_id)].append(contract)
    rows = []
    for division in sorted(by_industry, key=lambda d: d or "~"):
        contracts = by_industry[division]
        people = sum(c.placements for c in contracts)
        shown, _ = suppress({"people": people})
        delivered = sum((c.delivered_months for c in contracts), Decimal(0))
        required = sum((c.required_months for c in contracts), Decimal(0))
        # Each person's time once: a month another (earlier) placement of the same person
        # already claims, in any contract, is not counted again (projections/double_counts).
        once = double_counts.counted_once(
            everyone, as_of, procurement_ids=[c.procurement_id for c in contracts]).counted
        hidden = shown["people"] is None and people > 0
        rows.append((industry_label(division), len(contracts), required,
                     None if hidden else people, None if hidden else delivered,
                     None if hidden else once))
    return StatTable(
        "industries", Label("Avtal med sysselsättningskrav per bransch",
                            "Contracts with employment requirements by industry"),
        Label(f"Avtal som löper under {year}; anställda och levererade heltidsmånader till "
              f"och med {as_of.isoformat()}.",
              f"Contracts running in {year}; people placed and full-time months delivered "
              f"up to {as_of.isoformat()}."),
        (Column("industry", Label("Bransch", "Industry"), numeric=False),
         Column("contracts", Label("Avtal", "Contracts")),
         Column("required_months", Label("Krav, heltidsmånader", "Required full-time months")),
         Column("people", Label("Anställda personer", "People placed")),
         Column("delivered_months", Label("Levererade heltidsmånader",
                                          "Delivered full-time months")),
         Column("counted_once_months", Label("Heltidsmånader, varje person en gång",
                                             "Full-time months, each person once"))),
        tuple(rows))


def _runs_in(contract: compliance.ContractCompliance, year: int) -> bool:
    return contract.contract_start <= date(year, 12, 31) and (
        contract.contract_end >= date(year, 1, 1))


def _outcomes(groups: list[queries.OutcomeGroup]) -> StatTable:
    columns = [Column("target_group", Label("Målgrupp", "Target group"), numeric=False),
               Column("checkpoint", Label("Uppföljning", "Checkpoint"), numeric=False)]
    columns += [Column(status, option(status)) for status in EMPLOYMENT_STATUSES]
    columns.append(Column("total", Label("Totalt", "Total")))
    rows = tuple((target_group_label(g.target_group), checkpoint_kind_label(g.checkpoint_kind),
                  *(g.counts.get(s) for s in EMPLOYMENT_STATUSES), g.total) for g in groups)
    return StatTable(
        "outcomes", Label("Sysselsättning per målgrupp och uppföljningstillfälle",
                          "Employment status by target group and checkpoint"),
        Label("Antal personer. Färre än 5 visas som \"..\", och likaså ett värde som annars "
              "kunde räknas fram.",
              "Number of people. Fewer than 5 are shown as \"..\", and so is any value that "
              "could otherwise be worked out."),
        tuple(columns), rows)


def _sme(shares: list[queries.SmeShare]) -> StatTable:
    rows = tuple((str(s.group.year), s.tenders, s.sme_tenders, _percent(s.sme_tender_share),
                  s.awards, s.sme_awards, _percent(s.sme_award_share)) for s in shares)
    return StatTable(
        "sme", Label("Små och medelstora företags andel av anbud och avtal",
                     "SMEs' share of tenders and awards"),
        Label("Anbud räknas när anbudstiden har stängt, det år anbudstiden gick ut.",
              "Tenders count once tendering has closed, in the year of the tender deadline."),
        (Column("year", Label("År", "Year"), numeric=False),
         Column("tenders", Label("Anbud", "Tenders")),
         Column("sme_tenders", Label("Anbud från SMF", "Tenders from SMEs")),
         Column("sme_tender_share", Label("SMF-andel av anbud, %", "SME share of tenders, %")),
         Column("awards", Label("Tilldelningar", "Awards")),
         Column("sme_awards", Label("Tilldelningar till SMF", "Awards to SMEs")),
         Column("sme_award_share", Label("SMF-andel av tilldelningar, %",
                                         "SME share of awards, %"))),
        rows)


def _percent(share: Decimal | None) -> Decimal | None:
    return None if share is None else (share * 100).quantize(Decimal("0.1"))


def charts(stats: Statistics, language: str) -> dict[str, Markup]:
    """The statistics' charts in one language: outcomes as bars per target group and
    checkpoint (the table's own cells, suppressed ones marked), and the SME shares."""
    def pick(label: Label) -> str:
        return label.en if language == "en" else label.sv

    legend = [(s, pick(option(s))) for s in EMPLOYMENT_STATUSES]
    bars = [charts_module.Bar(f"{pick(target_group_label(g.target_group))}, "
                              f"{pick(checkpoint_kind_label(g.checkpoint_kind)).lower()}",
                              tuple(charts_module.Segment(s, pick(option(s)), g.counts.get(s))
                                    for s in EMPLOYMENT_STATUSES))
            for g in stats.outcome_groups]
    en = language == "en"
    outcome_chart = charts_module.stacked_bars(
        "chart-outcomes", pick(stats.outcomes.title),
        ("Bars per target group and checkpoint, split by employment status; a count under "
         "5 is not drawn and is marked \"..\"." if en else
         "Staplar per målgrupp och uppföljning, uppdelade på sysselsättning; antal under 5 "
         "ritas inte utan markeras \"..\"."), bars, legend, label_width=300)
    shares: list[tuple[str, Decimal | None]] = []
    for s in stats.sme_shares:
        shares.append((f"{'Tenders' if en else 'Anbud'} {s.group.year}", s.sme_tender_share))
        shares.append((f"{'Awards' if en else 'Tilldelningar'} {s.group.year}",
                       s.sme_award_share))
    sme_chart = charts_module.share_bars(
        "chart-sme", pick(stats.sme.title),
        ("The SMEs' share of tenders and of awards, in per cent." if en else
         "Små och medelstora företags andel av anbud och av tilldelningar, i procent."),
        shares)
    return {"outcomes": outcome_chart, "sme": sme_chart}
