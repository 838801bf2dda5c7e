"""Expert fees: pure rules from attendance records, the expert's own view, the CSV/JSON export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from evaluation.venues import fees

RULES = fees.FeeRules(
    half_day=Decimal("400.00"),
    full_day=Decimal("800.00"),
    half_day_hours=Decimal(4),
    per_bid=Decimal("50.00"),
    bids_included=5,
    travel={
        "default": Decimal("0.00"),
        "320000": Decimal("300.00"),
        "320000>320000": Decimal("80.00"),
    },
    timezone="Asia/Shanghai",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def attendance(*periods, bids=0, region="310000", venue_region="310000"):
    return fees.Attendance(
        draw_id=1,
        tender_id=2,
        tender_reference="T-1",
        expert_id=3,
        expert_name="Expert 3",
        id_number="310101199001010003",
        expert_region=region,
        venue_code="SH-A",
        venue_region=venue_region,
        periods=tuple(fees.Period(at(a), b and at(b)) for a, b in periods),
        bids=bids,
    )


def test_four_hours_or_less_in_a_day_is_a_half_day():
    fee = fees.compute_fee(attendance(("2026-03-02T09:00+08:00", "2026-03-02T13:00+08:00")), RULES)
    assert [(d.kind, d.hours) for d in fee.days] == [("half", Decimal("4.00"))]
    assert fee.total == Decimal("400.00")


def test_more_than_four_hours_in_a_day_is_a_full_day():
    fee = fees.compute_fee(attendance(("2026-03-02T09:00+08:00", "2026-03-02T13:01+08:00")), RULES)
    assert fee.days[0].kind == "full" and fee.time_fee == Decimal("800.00")


def test_a_day_is_the_local_calendar_day_and_stays_are_added_per_day():
    fee = fees.compute_fee(
        attendance(
            ("2026-03-02T09:00+08:00", "2026-03-02T11:00+08:00"),
            ("2026-03-02T14:00+08:00", "2026-03-02T17:00+08:00"),  # 5 h that day: full
            ("2026-03-03T09:00+08:00", "2026-03-03T12:00+08:00"),  # next day: half
        ),
        RULES,
    )
    assert [(d.day.isoformat(), d.kind) for d in fee.days] == [
        ("2026-03-02", "full"),
        ("2026-03-03", "half"),
    ]
    assert fee.time_fee == Decimal("1200.00")


def test_bids_beyond_the_included_ones_are_paid_per_bid():
    fee = fees.compute_fee(
        attendance(("2026-03-02T09:00+08:00", "2026-03-02T12:00+08:00"), bids=8), RULES
    )
    assert (fee.bids_paid, fee.bid_fee, fee.total) == (3, Decimal("150.00"), Decimal("550.00"))


@pytest.mark.parametrize(
    ("region", "venue_region", "travel"),
    [("310000", "310000", "0.00"), ("320000", "310000", "300.00"), ("320000", "320000", "80.00")],
)
def test_travel_is_paid_once_by_the_experts_region_and_the_venues(region, venue_region, travel):
    fee = fees.compute_fee(
        attendance(
            ("2026-03-02T09:00+08:00", "2026-03-02T12:00+08:00"),
            ("2026-03-03T09:00+08:00", "2026-03-03T12:00+08:00"),
            region=region,
            venue_region=venue_region,
        ),
        RULES,
    )
    assert fee.travel_fee == Decimal(travel)


def test_a_stay_not_checked_out_is_not_paid_yet():
    fee = fees.compute_fee(attendance(("2026-03-02T09:00+08:00", None), bids=9), RULES)
    assert fee.open and fee.total == Decimal("0.00") and fee.days == ()


def test_the_settings_give_the_rules():
    from bidhall.config import DEFAULTS

    rules = fees.FeeRules.from_settings(DEFAULTS)
    assert (rules.half_day, rules.full_day, rules.per_bid) == (
        Decimal("400.00"),
        Decimal("800.00"),
        Decimal("50.00"),
    )
    assert rules.travel_fee("310000", "320000") == Decimal("0.00")


@pytest.fixture
def attended(opened, declare, api_for, clock):
    """Two members of the main venue sat, after the bids were read out, from 09:30 to 12:30
    (a half day) and 09:30 to 15:30 (a full day), told 7 bids reviewed."""
    seated = opened
    clock.set(seated.draw.scheduled_at)
    supervisor = api_for(seated.main_supervisor)
    first, second = seated.members_at(seated.main)[:2]
    for expert in (first, second):
        assert declare(seated.draw.id, expert).status_code == 201
        response = supervisor.post(
            f"/api/draws/{seated.draw.id}/checkins",
            json={"expert_id": expert.id, "identity_confirmed": True, "phone_handed_in": True},
        )
        assert response.status_code == 201
    clock.advance(hours=3)
    supervisor.post(
        f"/api/draws/{seated.draw.id}/checkouts", json={"expert_id": first.id, "bids_reviewed": 7}
    )
    clock.advance(hours=3)
    supervisor.post(
        f"/api/draws/{seated.draw.id}/checkouts", json={"expert_id": second.id, "bids_reviewed": 7}
    )
    return seated, first, second


def test_the_expert_sees_its_own_fees_only(attended, api_for, user_of):
    seated, first, _second = attended
    data = api_for(user_of(first)).get("/api/my/fees").get_json()
    assert [f["expert_id"] for f in data["fees"]] == [first.id]
    fee = data["fees"][0]
    assert (fee["time_fee"], fee["bid_fee"], fee["total"]) == ("400.00", "100.00", "500.00")
    assert "id_number" not in fee


def test_the_supervisor_exports_the_fees_as_csv_for_the_paying_system(attended, api_for, world):
    seated, first, second = attended
    response = api_for(world.supervisor).get(f"/api/draws/{seated.draw.id}/fees?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["expert_id"]: r["total"] for r in rows} == {
        str(first.id): "500.00",
        str(second.id): "900.00",
    }
    assert rows[0]["id_number"] and rows[0]["currency"] == "CNY"


def test_the_agency_gets_the_fees_once_the_draw_is_published(attended, api_for, world):
    seated, _first, _second = attended
    agency = api_for(world.agency)
    early = agency.get(f"/api/draws/{seated.draw.id}/fees")
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "draw_not_published"
    assert agency.post(f"/api/draws/{seated.draw.id}/publish").status_code == 200
    data = agency.get(f"/api/draws/{seated.draw.id}/fees?format=json").get_json()
    assert data["format"] == "bidhall-expert-fees/1" and data["total"] == "1400.00"


def test_the_cli_exports_the_fees_as_json_and_the_export_is_in_the_ledger(attended, runner):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    seated, _first, _second = attended
    result = runner.invoke(
        args=["experts", "fees", "--draw", str(seated.draw.id), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == "1400.00"
    entry = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.type == "fees.exported").order_by(LedgerEntry.seq)
    )
    assert json.loads(entry.payload)["format"] == "json"


def test_the_cli_refuses_an_unknown_draw(runner, app):
    result = runner.invoke(args=["experts", "fees", "--draw", "999", "--format", "csv"])
    assert result.exit_code != 0
    assert "draw_not_found" in result.output


def test_a_fee_export_for_an_unknown_format_is_refused(attended, api_for, world):
    seated = attended[0]
    response = api_for(world.supervisor).get(f"/api/draws/{seated.draw.id}/fees?format=xml")
    assert response.status_code == 400


def test_no_sealed_bid_is_counted_for_the_fees_before_the_opening(
    seated, tender, seal_bids, api_for, world, clock
):
    from bidhall.db import db
    from evaluation.venues.models import Attendance

    hall = seal_bids(tender)  # three sealed bids
    expert = seated.members_at(seated.main)[0]
    place = next(p for p in seated.draw.places if p.expert_id == expert.id)
    # a stay recorded before check-in had to wait for the reading out (an older database), no
    # count of the bids reviewed told
    with db.transaction() as session:
        session.add(
            Attendance(
                place_id=place.id,
                draw_id=seated.draw.id,
                venue_id=place.venue_id,
                workstation=place.workstation,
                identity_confirmed=True,
                phone_handed_in=True,
                checked_in_at=clock.now(),
                checked_in_by_id=seated.main_supervisor.id,
                checked_out_at=clock.now() + timedelta(hours=3),
                checked_out_by_id=seated.main_supervisor.id,
            )
        )
    supervisor, url = api_for(world.supervisor), f"/api/draws/{seated.draw.id}/fees"
    clock.advance(hours=4)
    assert [f["bids"] for f in supervisor.get(url).get_json()["fees"]] == [0]
    hall.reach_deadline()  # the hall announces how many bids it locked
    assert [f["bids"] for f in supervisor.get(url).get_json()["fees"]] == [3]


def test_fees_of_a_stay_over_local_midnight_count_both_days(clock):
    start = datetime(2026, 3, 2, 22, 0, tzinfo=fees.ZoneInfo("Asia/Shanghai"))
    periods = (fees.Period(start, start + timedelta(hours=5)),)
    hours = fees.hours_per_day(periods, fees.ZoneInfo("Asia/Shanghai"))
    assert list(hours.values()) == [Decimal("2.00"), Decimal("3.00")]
