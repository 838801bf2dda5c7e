"""The finance officer's desk (/finance): what is due back and what is overdue, refunds and
releases recorded from it; and a cash deposit kept by the tenderer for a claim trigger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fixtures.app import csrf_token
from tests.trading.guarantees.conftest import fresh, ledger, read_out, refused
from trading.guarantees import rules
from trading.guarantees.models import Deposit, DepositState, Guarantee, GuaranteeState
from trading.tenders import services


@pytest.fixture
def terminated(secured_bid, world, clock):
    """The secured bid's tender terminated: its deposit and guarantee due back in 5 days."""
    tender, bid_id, guarantee_id, deposit_id = secured_bid
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    return tender, guarantee_id, deposit_id


def desk_row(html: str, testid: str, row_id: int) -> str:
    start = html.index(f'data-testid="{testid}" data-id="{row_id}"')
    return html[start : html.index("</tr>", start)]


# --- what is due ----------------------------------------------------------------------------


def test_the_desk_lists_a_deposit_and_a_guarantee_due_back_in_time(terminated, admin, login):
    _, guarantee_id, deposit_id = terminated
    html = login(admin).get("/finance").get_data(as_text=True)
    assert 'data-due="2" data-overdue="0"' in html
    assert 'data-overdue="no"' in desk_row(html, "deposit-due", deposit_id)
    assert 'data-overdue="no"' in desk_row(html, "guarantee-due", guarantee_id)
    assert "tender terminated" in desk_row(html, "deposit-due", deposit_id)


def test_the_desk_marks_what_is_past_its_five_days_overdue(terminated, admin, login, clock):
    _, guarantee_id, deposit_id = terminated
    browser = login(admin)
    clock.advance(days=5)  # the fifth day is still in time
    assert 'data-overdue="0"' in browser.get("/finance").get_data(as_text=True)
    clock.advance(seconds=1)
    html = browser.get("/finance").get_data(as_text=True)
    assert 'data-due="2" data-overdue="2"' in html
    assert 'data-overdue="yes"' in desk_row(html, "deposit-due", deposit_id)
    assert 'data-overdue="yes"' in desk_row(html, "guarantee-due", guarantee_id)


def test_the_api_gives_the_desk_with_the_interest_a_refund_would_pay_today(
    terminated, admin, api_for, clock
):
    _, guarantee_id, deposit_id = terminated
    clock.advance(days=6)
    desk = api_for(admin).get("/api/finance/due").get_json()
    assert desk["overdue"] == 2
    (deposit,) = desk["deposits"]
    stored = fresh(Deposit, deposit_id)
    assert deposit["id"] == deposit_id and deposit["overdue"] is True
    assert deposit["interest_today"] == str(
        rules.deposit_interest(stored.amount, stored.paid_at, clock.now(), Decimal("0.0035"))
    )
    assert [g["id"] for g in desk["guarantees"]] == [guarantee_id]


def test_a_deposit_backing_a_live_bid_is_not_on_the_desk(secured_bid, admin, api_for):
    desk = api_for(admin).get("/api/finance/due").get_json()
    assert (desk["deposits"], desk["guarantees"], desk["overdue"]) == ([], [], 0)


# --- recording from the desk ----------------------------------------------------------------


def test_the_officer_records_a_refund_and_the_interest_is_computed(terminated, admin, login, clock):
    _, _, deposit_id = terminated
    clock.advance(days=2)
    browser = login(admin)
    answer = browser.post(
        f"/finance/deposits/{deposit_id}/refund",
        data={
            "csrf_token": csrf_token(browser, "/finance"),
            f"refund-{deposit_id}-bank_reference": "CCB-20260321-0042",
            f"refund-{deposit_id}-interest": "",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    deposit = fresh(Deposit, deposit_id)
    assert deposit.state == DepositState.REFUNDED
    assert deposit.refund_bank_reference == "CCB-20260321-0042"
    assert deposit.refund_interest == rules.deposit_interest(
        deposit.amount, deposit.paid_at, clock.now(), Decimal("0.0035")
    )
    html = browser.get("/finance").get_data(as_text=True)
    assert f'data-testid="refunded" data-id="{deposit_id}"' in html
    assert 'data-testid="no-deposits-due"' in html


def test_a_refund_without_its_bank_reference_is_refused_and_nothing_changes(
    terminated, admin, login
):
    _, _, deposit_id = terminated
    browser = login(admin)
    answer = browser.post(
        f"/finance/deposits/{deposit_id}/refund",
        data={"csrf_token": csrf_token(browser, "/finance")},
    )
    assert answer.status_code == 400
    assert "bank_reference" in answer.get_data(as_text=True)
    assert fresh(Deposit, deposit_id).state == DepositState.HELD
    assert ledger("deposit.refunded") == []


def test_an_interest_that_is_not_money_is_refused(terminated, admin, login):
    _, _, deposit_id = terminated
    browser = login(admin)
    answer = browser.post(
        f"/finance/deposits/{deposit_id}/refund",
        data={
            "csrf_token": csrf_token(browser, "/finance"),
            f"refund-{deposit_id}-bank_reference": "R-1",
            f"refund-{deposit_id}-interest": "a lot",
        },
    )
    assert answer.status_code == 400
    assert "The interest must be an amount of money" in answer.get_data(as_text=True)
    assert fresh(Deposit, deposit_id).state == DepositState.HELD


def test_a_refund_posted_without_the_csrf_token_is_refused(terminated, admin, login):
    _, _, deposit_id = terminated
    answer = login(admin).post(
        f"/finance/deposits/{deposit_id}/refund",
        data={f"refund-{deposit_id}-bank_reference": "R-1"},
    )
    assert answer.status_code == 400
    assert fresh(Deposit, deposit_id).state == DepositState.HELD


def test_the_officer_records_a_release_late_and_the_ledger_says_so(terminated, admin, login, clock):
    _, guarantee_id, _ = terminated
    clock.advance(days=7)
    browser = login(admin)
    answer = browser.post(
        f"/finance/guarantees/{guarantee_id}/release",
        data={
            "csrf_token": csrf_token(browser, "/finance"),
            f"release-{guarantee_id}-note": "Release message GR-7 sent to the bank.",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    guarantee = fresh(Guarantee, guarantee_id)
    assert guarantee.state == GuaranteeState.RELEASED
    assert guarantee.release_note == "Release message GR-7 sent to the bank."
    assert ledger("guarantee.released")[0]["late"] is True


# --- a deposit kept (不予退还) ----------------------------------------------------------------


def test_a_winner_refusing_the_contract_loses_its_deposit(
    secured_bid, world, admin, api_for, clock
):
    tender, _, _, deposit_id = secured_bid
    read_out(tender, clock)
    clock.advance(days=20)
    answer = api_for(world.agency).post(
        f"/api/deposits/{deposit_id}/forfeit",
        json={"trigger": "refused_contract", "reason": "Declined to sign on 2026-04-02."},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "forfeited"
    assert answer.get_json()["forfeit"]["trigger"] == "refused_contract"
    assert ledger("deposit.forfeited")[0]["deposit_id"] == deposit_id
    # the tender's end no longer makes it due back
    services.terminate_tender(world.agency, tender.id, "Re-tendered.")
    assert fresh(Deposit, deposit_id).refund_due_at is None
    desk = api_for(admin).get("/api/finance/due").get_json()
    assert desk["deposits"] == []
    assert [d["id"] for d in desk["forfeited"]] == [deposit_id]


def test_a_deposit_is_kept_only_for_a_trigger_the_rules_name(secured_bid, world, api_for, clock):
    tender, _, _, deposit_id = secured_bid
    read_out(tender, clock)
    refused(
        api_for(world.agency).post(
            f"/api/deposits/{deposit_id}/forfeit",
            json={"trigger": "late_payment", "reason": "Paid late."},
        ),
        400,
        "invalid_trigger",
    )
    assert fresh(Deposit, deposit_id).state == DepositState.HELD


def test_a_deposit_due_for_refund_cannot_be_kept(terminated, world, api_for, clock):
    tender, _, deposit_id = terminated
    read_out(tender, clock)
    refused(
        api_for(world.agency).post(
            f"/api/deposits/{deposit_id}/forfeit",
            json={"trigger": "fraud", "reason": "Forged licence."},
        ),
        409,
        "refund_due",
    )


def test_before_the_reading_out_a_manager_finds_no_deposit_to_keep(secured_bid, world, api_for):
    _, _, _, deposit_id = secured_bid
    refused(
        api_for(world.agency).post(
            f"/api/deposits/{deposit_id}/forfeit",
            json={"trigger": "fraud", "reason": "Forged licence."},
        ),
        404,
        "deposit_not_found",
    )


# --- from the award page --------------------------------------------------------------------


def test_the_award_page_shows_the_managers_the_bid_security_with_its_forms(
    secured_bid, world, login, clock
):
    tender, _, guarantee_id, deposit_id = secured_bid
    read_out(tender, clock)
    html = login(world.agency).get(f"/agency/tenders/{tender.id}/award").get_data(as_text=True)
    assert f'data-testid="security-guarantee" data-id="{guarantee_id}"' in html
    assert f'data-testid="security-deposit" data-id="{deposit_id}"' in html
    assert 'data-testid="claim-form"' in html and 'data-testid="keep-form"' in html


def test_a_supervisor_reads_the_bid_security_without_forms(secured_bid, world, login, clock):
    tender, _, _, deposit_id = secured_bid
    read_out(tender, clock)
    html = login(world.supervisor).get(f"/agency/tenders/{tender.id}/award").get_data(as_text=True)
    assert f'data-testid="security-deposit" data-id="{deposit_id}"' in html
    assert 'data-testid="keep-form"' not in html


def test_a_manager_keeps_a_deposit_from_the_award_page(secured_bid, world, login, clock):
    tender, _, _, deposit_id = secured_bid
    read_out(tender, clock)
    browser = login(world.agency)
    page = f"/agency/tenders/{tender.id}/award"
    answer = browser.post(
        f"/agency/deposits/{deposit_id}/forfeit",
        data={
            "csrf_token": csrf_token(browser, page),
            f"keep-{deposit_id}-trigger": "refused_performance_security",
            f"keep-{deposit_id}-reason": "No performance security by the date set.",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith(f"{page}#bid-security")
    deposit = fresh(Deposit, deposit_id)
    assert (deposit.state, deposit.forfeit_trigger) == (
        DepositState.FORFEITED,
        "refused_performance_security",
    )


def test_a_claim_without_its_facts_is_refused_on_the_award_page(secured_bid, world, login, clock):
    tender, _, guarantee_id, _ = secured_bid
    read_out(tender, clock)
    browser = login(world.agency)
    answer = browser.post(
        f"/agency/guarantees/{guarantee_id}/claim",
        data={
            "csrf_token": csrf_token(browser, f"/agency/tenders/{tender.id}/award"),
            f"claim-{guarantee_id}-trigger": "refused_contract",
            f"claim-{guarantee_id}-reason": "",
        },
    )
    assert answer.status_code == 400
    assert 'data-testid="bid-security"' in answer.get_data(as_text=True)
    assert fresh(Guarantee, guarantee_id).state == GuaranteeState.ACTIVE


def test_a_manager_claims_on_a_guarantee_from_the_award_page(secured_bid, world, login, clock):
    tender, _, guarantee_id, _ = secured_bid
    read_out(tender, clock)
    browser = login(world.agency)
    answer = browser.post(
        f"/agency/guarantees/{guarantee_id}/claim",
        data={
            "csrf_token": csrf_token(browser, f"/agency/tenders/{tender.id}/award"),
            f"claim-{guarantee_id}-trigger": "refused_contract",
            f"claim-{guarantee_id}-reason": "Declined to sign on the day set.",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert fresh(Guarantee, guarantee_id).state == GuaranteeState.CLAIMED
    assert ledger("guarantee.claimed")[0]["trigger"] == "refused_contract"
