"""While tenders are sealed, nothing a party can read counts the others' tenders: not the
case's version, not its ETag, not the numbering of the history, not the case list's time
of last change. A version that grew with each tender would tell how many were submitted.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.api_helpers import API, ApiWorld, draft_case, open_world, settle, tender_json

EnvDict = dict[str, str]


def _published(world: ApiWorld) -> str:
    case_id = draft_case(world)
    assert world.post("authority", f"{API}/procurements/{case_id}/publish",
                      json={"tender_deadline": "2028-07-01"}).status_code == 204
    return case_id


def _seen(world: ApiWorld, party: str, case_id: str) -> tuple[int, str]:
    response = world.get(party, f"{API}/procurements/{case_id}")
    assert response.status_code == 200
    return response.get_json()["version"], response.headers["ETag"]


def _listed(world: ApiWorld, party: str, case_id: str) -> dict[str, Any]:
    settle(world.app)
    (row,) = [c for c in world.get(party, f"{API}/procurements").get_json()
              if c["id"] == case_id]
    return dict(row)


def test_others_tenders_move_no_version_anyone_can_see(store: EnvDict) -> None:
    with open_world(store, parties=("authority", "supplier", "other_supplier")) as world:
        case_id = _published(world)
        before = {p: _seen(world, p, case_id) for p in ("authority", "supplier",
                                                        "other_supplier")}
        listed = {p: _listed(world, p, case_id) for p in before}
        assert world.post("other_supplier", f"{API}/procurements/{case_id}/tenders",
                          json=tender_json(sme=False)).status_code == 201
        # A revision (the same POST again) is one more sealed event.
        assert world.post("other_supplier", f"{API}/procurements/{case_id}/tenders",
                          json=tender_json(sme=True)).status_code in (200, 201)
        assert _seen(world, "authority", case_id) == before["authority"]
        assert _seen(world, "supplier", case_id) == before["supplier"]
        own_version, own_etag = _seen(world, "other_supplier", case_id)
        assert own_version > before["other_supplier"][0]  # its own tender it does see
        for party in ("authority", "supplier"):
            assert _listed(world, party, case_id)["updated_at"] == listed[party]["updated_at"]
        # The owner's history is numbered without gaps, up to the version it is shown.
        history = world.get("authority", f"{API}/procurements/{case_id}/history").get_json()
        assert [e["version"] for e in history] == list(range(1, len(history) + 1))
        assert history[-1]["version"] == before["authority"][0]
        assert own_etag != before["other_supplier"][1]


def test_if_match_takes_the_version_the_party_was_shown(store: EnvDict) -> None:
    with open_world(store, parties=("authority", "supplier", "other_supplier")) as world:
        case_id = _published(world)
        version, etag = _seen(world, "authority", case_id)
        for supplier in ("supplier", "other_supplier"):
            assert world.post(supplier, f"{API}/procurements/{case_id}/tenders",
                              json=tender_json(sme=True)).status_code == 201
        closed = world.post("authority", f"{API}/procurements/{case_id}/close-tendering",
                            headers={"If-Match": etag})
        assert closed.status_code == 204, closed.get_json()
        # Unsealed now: the whole count, the two tenders and the closing included.
        assert _seen(world, "authority", case_id)[0] == version + 3
        history = world.get("authority", f"{API}/procurements/{case_id}/history").get_json()
        assert [e["event_type"] for e in history].count("TenderSubmitted") == 2
