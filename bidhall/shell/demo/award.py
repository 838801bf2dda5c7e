"""Chapter 7, from the report to the contract: the agency publishes the candidates (公示) for 3
days; a losing bidder objects to the result and the agency answers it the next day; once the
publicity is over the tenderer awards the first candidate (定标) and the award and result
notices go out; the contract is signed at the awarded price, which starts the 5-day refunds
(Regs Art 57): the centre releases the e-guarantees and refunds the cash deposit with its
bank interest."""

from __future__ import annotations

from bidhall import clock
from bidhall.shell.demo.context import Demo
from trading.award import queries as awards
from trading.award import services as award
from trading.guarantees import deposits
from trading.guarantees import services as guarantees
from trading.guarantees.queries import due_for_return


def run(demo: Demo) -> None:
    agency, tenderer, admin = demo.cast.agency, demo.cast.tenderer, demo.cast.admin
    [the_award] = awards.awards_of(demo.tender.id)
    demo.fake.advance(hours=20)
    the_award = award.publish_candidates(agency, the_award.id, 3)
    names = [c["bidder"] for c in the_award.candidates]
    demo.say(
        f"the agency published the {len(names)} candidates ({', '.join(names)}) for 3 days "
        f"until {clock.local(the_award.publicity_end):%Y-%m-%d %H:%M} (Regs Art 54)"
    )
    loser = next(
        b
        for b in demo.cast.bidders
        if b.organisation_id == the_award.candidates[1]["organisation_id"]
    )
    demo.fake.advance(days=1)
    objection = award.raise_objection(
        loser,
        the_award.id,
        "The first candidate's project manager also leads another site of ours; we ask the "
        "tenderer to check that he is free for this project.",
    )
    demo.fake.advance(days=1)
    award.answer_objection(
        agency,
        the_award.id,
        objection.id,
        "The first candidate's project manager finished that site on 28 February (its "
        "completion certificate is in the bid's annex 6): he is free. The result stands.",
    )
    demo.say(
        f"{loser.display_name} objected to the result during the publicity; the agency answered "
        "the next day (within 3 days), the award waiting meanwhile"
    )
    demo.fake.set(clock.as_utc(the_award.publicity_end))
    decided = award.decide(tenderer, the_award.id)
    winner = next(c for c in decided.candidates if c["bid_id"] == decided.winner_bid_id)
    demo.say(
        f"the publicity over, the tenderer awarded lot {decided.lot_number} to the first "
        f"candidate, {winner['bidder']}, at {decided.award_amount} yuan (定标); the award notice "
        "(中标通知书) went to it and the result notices to the other bidders"
    )
    demo.fake.advance(days=2)
    signed_on = clock.local(clock.now()).date()
    contract = award.record_contract(
        tenderer, decided.id, decided.award_amount, decided.award_amount / 20, signed_on
    )
    demo.say(
        f"the contract was signed on {signed_on} at the awarded price, with a 5% performance "
        f"security of {contract.performance_security} yuan (≤ 10%, Regs Art 58); every bid "
        "security of the tender is now due back within 5 days"
    )
    demo.fake.advance(days=1)
    due_guarantees, due_deposits = due_for_return(demo.tender.id)
    for guarantee_id in due_guarantees:
        guarantees.release_guarantee(admin, guarantee_id, "released after the contract")
    interest = []
    for deposit_id in due_deposits:
        refunded = deposits.refund_deposit(admin, deposit_id, f"DEMO-REFUND-{deposit_id}")
        interest.append(str(refunded.refund_interest))
    demo.say(
        f"the centre released {len(due_guarantees)} e-guarantees to their issuer and refunded "
        f"{len(due_deposits)} cash deposit with {', '.join(interest) or 'no'} yuan of bank "
        "interest, the day after the signature"
    )
    demo.award = {
        "candidates_published_by": the_award.published_by,
        "objections_answered": 1,
        "winner": winner["bidder"],
        "amount": str(decided.award_amount),
        "contract_signed_on": signed_on.isoformat(),
        "guarantees_released": len(due_guarantees),
        "deposits_refunded": len(due_deposits),
        "deposit_interest": interest,
    }
