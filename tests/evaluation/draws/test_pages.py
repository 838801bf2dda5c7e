"""The draw pages through the HTTP test client, with real sessions and CSRF tokens: the agency's
draw page (request form, then commitment, counts and confirmation status without names), the
supervisor's draw monitor, and the expert's invitations with their accept and decline forms."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.fixtures.app import csrf_token
from tests.fixtures.experts import REGION

ROOT = Path(__file__).resolve().parents[3]
SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = ("Zhou Mingxuan", "Qian Ruolan", "Sun Haoyu", "Li Jiawen", "Wu Zhiqiang", "Zheng Yutong")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def draw_form(token: str, **overrides: str) -> dict[str, str]:
    """A valid request as the browser posts it: 5 members from one region, 1 reserve, the
    evaluation a day after the opening of the tender ``make_tender`` publishes (the fake clock
    starts 2026-03-01 09:30 +08:00; the bid deadline is 2026-03-22 09:30)."""
    data = {f"draw-regions-{i}-{name}": "" for i in range(5) for name in ("quota", "reserves")}
    data.update({f"draw-regions-{i}-region": REGION for i in range(5)})
    data.update(
        {
            "csrf_token": token,
            "draw-specialties": "A01",
            "draw-members": "5",
            "draw-scheduled_at": "2026-03-23T09:00",
            "draw-regions-0-quota": "5",
            "draw-regions-0-reserves": "1",
        }
    )
    data.update(overrides)
    return data


@pytest.fixture
def experts(make_expert):
    """Six eligible experts of one pool, with names no page may show the agency early."""
    return [make_expert(name=name) for name in NAMES]


@pytest.fixture
def drawn(world, tender, experts, draw_request):
    """The tender's committee: 5 members invited, 1 reserve waiting."""
    from evaluation.draws import services

    return services.draw_experts(world.agency, tender.id, draw_request(reserves={REGION: 1}))


@pytest.fixture
def agency_browser(login, world):
    return login(world.agency)


@pytest.fixture
def supervisor_browser(login, world):
    return login(world.supervisor)


@pytest.fixture
def expert_browser(login, user_of):
    """``expert_browser(expert)``: a client signed in as that expert."""
    return lambda expert: login(user_of(expert))


def members_of(draw, experts):
    by_id = {e.id: e for e in experts}
    return [by_id[p.expert_id] for p in draw.places if p.status == "invited"]


def reserve_of(draw, experts):
    by_id = {e.id: e for e in experts}
    return next(by_id[p.expert_id] for p in draw.places if p.status == "reserve")


def post_form(browser, page: str, action: str, **data):
    data["csrf_token"] = csrf_token(browser, page)
    return browser.post(action, data=data)


def answer_all(draw, experts, answer):
    for expert in members_of(draw, experts):
        assert answer(draw.id, expert, True).status_code == 200


def publish(world, draw):
    from evaluation.draws import services

    return services.publish_result(world.supervisor, draw.id)


def the_draw(tender):
    from sqlalchemy import select

    from bidhall.db import db
    from evaluation.draws.models import ExpertDraw

    return db.session.scalar(select(ExpertDraw).where(ExpertDraw.tender_id == tender.id))


# --- the agency's draw page ---------------------------------------------------------------------


def test_the_agency_sees_the_request_form_for_a_tender_without_a_draw(
    agency_browser, tender, make_pool
):
    make_pool()

    page = agency_browser.get(f"/agency/tenders/{tender.id}/draw")

    assert page.status_code == 200
    assert 'data-testid="draw-form"' in text_of(page)
    assert "120 minutes" in text_of(page)  # the confirmation window


def test_the_agency_files_a_draw_request_through_the_form(agency_browser, tender, experts):
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(page, data=draw_form(csrf_token(agency_browser, page)))

    draw = the_draw(tender)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    assert (draw.quotas, draw.reserves, draw.specialties) == ({REGION: 5}, {REGION: 1}, ["A01"])
    assert draw.scheduled_at == datetime(2026, 3, 23, 9, 0, tzinfo=SHANGHAI)


def test_several_specialty_codes_are_read_from_one_field(agency_browser, tender, experts):
    page = f"/agency/tenders/{tender.id}/draw"

    agency_browser.post(
        page,
        data=draw_form(csrf_token(agency_browser, page), **{"draw-specialties": "b02, a01；C0301"}),
    )

    assert the_draw(tender).specialties == ["A01", "B02", "C0301"]


def test_a_request_the_pools_cannot_meet_is_refused_on_the_page_and_nothing_is_drawn(
    agency_browser, tender, experts
):
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page, data=draw_form(csrf_token(agency_browser, page), **{"draw-regions-0-reserves": "3"})
    )

    assert response.status_code == 422
    assert "Region 310000 has 6 eligible experts for 8 places (short by 2)" in text_of(response)
    assert the_draw(tender) is None


def test_a_region_row_with_members_but_no_region_is_refused(agency_browser, tender, experts):
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page, data=draw_form(csrf_token(agency_browser, page), **{"draw-regions-0-region": ""})
    )

    assert response.status_code == 400
    assert "Choose the region of each row with members or reserves." in text_of(response)
    assert the_draw(tender) is None


def test_a_region_given_in_two_rows_is_refused(agency_browser, tender, experts):
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page,
        data=draw_form(
            csrf_token(agency_browser, page),
            **{"draw-regions-0-quota": "3", "draw-regions-1-quota": "2"},
        ),
    )

    assert response.status_code == 400
    assert "Region 310000 is given twice." in text_of(response)


def test_a_refused_request_is_explained_in_chinese_on_a_chinese_page(
    agency_browser, tender, experts
):
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page,
        data=draw_form(csrf_token(agency_browser, page), **{"draw-members": "4"}),
        headers={"Accept-Language": "zh-CN"},
    )

    assert response.status_code == 422
    assert "评标委员会成员人数须为单数" in text_of(response)


def test_a_request_without_the_csrf_token_is_refused(agency_browser, tender, experts):
    data = draw_form("")
    del data["csrf_token"]

    response = agency_browser.post(f"/agency/tenders/{tender.id}/draw", data=data)

    assert response.status_code == 400
    assert the_draw(tender) is None


def test_the_agency_page_shows_the_commitment_and_the_counts(agency_browser, tender, drawn):
    page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    assert drawn.seed_sha256 in page
    assert drawn.list_sha256 in page
    assert 'data-count="pending">5<' in page
    assert 'data-count="reserves-left">1<' in page
    assert drawn.seed_hex not in page


@pytest.mark.parametrize("manager", ["agency", "tenderer"])
def test_the_managers_page_names_no_expert_before_publication(login, world, tender, drawn, manager):
    expert_ids = [place.expert_id for place in drawn.places]

    page = text_of(login(getattr(world, manager)).get(f"/agency/tenders/{tender.id}/draw"))

    assert [name for name in NAMES if name in page] == []
    assert 'data-testid="names-hidden"' in page
    assert not any(f"#{expert_id}<" in page for expert_id in expert_ids)


def test_the_agency_page_names_the_committee_once_the_result_is_published(
    agency_browser, world, tender, drawn, experts, answer
):
    answer_all(drawn, experts, answer)
    publish(world, drawn)

    page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    assert sorted(n for n in NAMES if n in page) == sorted(e.name for e in experts)
    assert drawn.seed_hex in page


def test_the_agency_page_shows_a_declined_seat_as_replaced(
    agency_browser, tender, drawn, experts, answer
):
    answer(drawn.id, members_of(drawn, experts)[0], False)

    page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    assert 'data-count="declined">1<' in page
    assert 'data-count="replaced">1<' in page
    assert 'data-count="pending">5<' in page  # four members and the called reserve


def test_the_agency_publishes_the_result_from_its_page_once_all_answered(
    agency_browser, tender, drawn, experts, answer
):
    answer_all(drawn, experts, answer)
    page = f"/agency/tenders/{tender.id}/draw"

    response = post_form(agency_browser, page, f"{page}/publish")

    assert response.status_code == 302
    assert the_draw(tender).state == "published"


def test_another_agency_is_refused_the_draw_page(login, make_user, tender, drawn):
    response = login(make_user("agency")).get(f"/agency/tenders/{tender.id}/draw")

    assert response.status_code == 403


def test_a_bidder_is_refused_the_draw_page(login, holder, tender, drawn):
    response = login(holder).get(f"/agency/tenders/{tender.id}/draw")

    assert response.status_code == 403


def test_the_agencys_list_links_each_drawable_tender_to_its_draw_page(agency_browser, tender):
    page = text_of(agency_browser.get("/agency/draws"))

    assert f'href="/agency/tenders/{tender.id}/draw"' in page


# --- the supervisor's monitor -------------------------------------------------------------------


def test_the_monitor_lists_every_draw(supervisor_browser, tender, drawn):
    page = text_of(supervisor_browser.get("/supervision/draws"))

    assert f'href="/supervision/draws/{drawn.id}"' in page
    assert tender.title in page


def test_the_monitor_shows_the_commitment_and_the_frozen_lists_hash(supervisor_browser, drawn):
    page = text_of(supervisor_browser.get(f"/supervision/draws/{drawn.id}"))

    assert drawn.seed_sha256 in page
    assert drawn.list_sha256 in page
    assert drawn.seed_hex not in page
    assert "bidhall draw verify" not in page


def test_the_monitor_names_the_drawn_committee(supervisor_browser, drawn, experts):
    page = text_of(supervisor_browser.get(f"/supervision/draws/{drawn.id}"))

    assert sorted(n for n in NAMES if n in page) == sorted(e.name for e in experts)


@pytest.fixture
def excluding(world, tender, holder, experts, make_expert, draw_request):
    """A draw that excluded four experts: one who works for the holder of the documents, two
    without a certificate, two penalised (one expert both)."""
    from evaluation.draws import services

    make_expert(name="Ma Holderstaff", employer_organisation_id=holder.organisation_id)
    make_expert(name="Feng Uncertified", certificate=False)
    make_expert(name="Chen Penalised", penalised_until="2027-01-01")
    make_expert(name="He Both", certificate=False, penalised_until="2027-01-01")
    return services.draw_experts(world.agency, tender.id, draw_request())


EXCLUDED = ("Ma Holderstaff", "Feng Uncertified", "Chen Penalised", "He Both")


def test_before_the_reading_out_the_monitor_shows_only_how_many_were_excluded_per_region(
    supervisor_browser, excluding
):
    page = text_of(supervisor_browser.get(f"/supervision/draws/{excluding.id}"))

    assert re.search(r'data-candidates="310000">.*?data-count="excluded">4<', page, re.S)
    assert [name for name in EXCLUDED if name in page] == []
    assert "data-reason=" not in page
    assert "employer holds the tender documents" not in page
    assert 'data-testid="exclusions-hidden"' in page


def test_from_the_reading_out_the_monitor_counts_exclusions_per_reason_and_names_the_excluded(
    supervisor_browser, tender, excluding, read_out
):
    read_out(tender)

    page = text_of(supervisor_browser.get(f"/supervision/draws/{excluding.id}"))

    counts = dict(re.findall(r'data-reason="(\w+)"><td>[^<]*</td><td>(\d+)</td>', page))
    assert counts == {"employer_bidder": "1", "no_certificate": "2", "penalised": "2"}
    assert all(name in page for name in EXCLUDED)
    assert 'data-testid="exclusions-hidden"' not in page


def test_once_published_the_monitor_shows_the_seed_but_defers_the_draw_document(
    supervisor_browser, world, drawn, experts, answer
):
    answer_all(drawn, experts, answer)
    publish(world, drawn)

    page = text_of(supervisor_browser.get(f"/supervision/draws/{drawn.id}"))

    assert drawn.seed_hex in page
    assert f'href="/api/draws/{drawn.id}/verification"' not in page
    assert 'data-testid="draw-file-later"' in page
    assert f'href="/api/draws/{drawn.id}/commitment"' in page


def test_the_agency_page_offers_the_draw_document_only_from_the_reading_out(
    agency_browser, world, tender, drawn, experts, answer, read_out
):
    answer_all(drawn, experts, answer)
    publish(world, drawn)
    before = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))
    read_out(tender)

    after = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    link = f'href="/api/draws/{drawn.id}/verification"'
    assert link not in before and 'data-testid="draw-file-later"' in before
    assert link in after and "bidhall draw verify DRAW.json" in after


def test_from_the_reading_out_the_monitor_shows_how_to_verify(
    supervisor_browser, world, tender, drawn, experts, answer, read_out
):
    answer_all(drawn, experts, answer)
    publish(world, drawn)
    read_out(tender)

    page = text_of(supervisor_browser.get(f"/supervision/draws/{drawn.id}"))

    assert "bidhall draw verify DRAW.json" in page
    assert f'href="/api/draws/{drawn.id}/verification"' in page


def test_the_downloaded_draw_document_passes_the_verify_command(
    supervisor_browser, world, tender, drawn, experts, answer, read_out, runner, tmp_path
):
    answer_all(drawn, experts, answer)
    publish(world, drawn)
    read_out(tender)
    page = text_of(supervisor_browser.get(f"/supervision/draws/{drawn.id}"))
    link = re.search(r'data-testid="download-draw"[^>]*href="([^"]+)"', page).group(1)
    draw_file = tmp_path / "DRAW.json"
    draw_file.write_text(json.dumps(supervisor_browser.get(link).get_json()))

    result = runner.invoke(args=["draw", "verify", str(draw_file)])

    assert result.exit_code == 0, result.output


def test_the_draw_document_and_commitment_downloaded_from_the_page_pass_verify_with_the_root(
    supervisor_browser, world, tender, drawn, experts, answer, read_out, runner, tmp_path
):
    answer_all(drawn, experts, answer)
    publish(world, drawn)
    read_out(tender)
    page = text_of(supervisor_browser.get(f"/supervision/draws/{drawn.id}"))
    files = {}
    for testid, name in (("download-draw", "DRAW.json"), ("download-commitment", "C.json")):
        link = re.search(rf'data-testid="{testid}"[^>]*href="([^"]+)"', page).group(1)
        files[name] = tmp_path / name
        files[name].write_bytes(supervisor_browser.get(link).data)
    root = tmp_path / "root.pem"
    root.write_bytes(supervisor_browser.get("/ca/root.pem").data)

    result = runner.invoke(
        args=[
            "draw",
            "verify",
            str(files["DRAW.json"]),
            "--commitment",
            str(files["C.json"]),
            "--root",
            str(root),
        ]
    )

    assert result.exit_code == 0, result.output
    assert "--commitment COMMITMENT.json" in page


def test_the_supervisor_publishes_from_the_monitor_once_all_answered(
    supervisor_browser, drawn, experts, answer
):
    answer_all(drawn, experts, answer)
    page = f"/supervision/draws/{drawn.id}"

    response = post_form(supervisor_browser, page, f"{page}/publish")

    assert response.status_code == 302
    assert drawn.seed_hex in text_of(supervisor_browser.get(page))


def test_publishing_with_invitations_pending_is_refused_on_the_monitor(supervisor_browser, drawn):
    page = f"/supervision/draws/{drawn.id}"

    response = post_form(supervisor_browser, page, f"{page}/publish")

    assert response.status_code == 409
    assert "5 invitation(s) still await an answer" in text_of(response)


def test_the_agency_is_refused_the_monitor(agency_browser, drawn):
    response = agency_browser.get(f"/supervision/draws/{drawn.id}")

    assert response.status_code == 403


# --- the expert's invitations -------------------------------------------------------------------


def test_the_expert_sees_its_invitation_with_the_tender_and_the_deadline(
    expert_browser, tender, drawn, experts
):
    page = text_of(expert_browser(members_of(drawn, experts)[0]).get("/expert/invitations"))

    assert tender.title in page
    assert "2026-03-02 11:30" in page  # invited at the publication, 09:30 + 120 minutes
    assert 'data-testid="accept"' in page


def test_a_drawn_member_is_told_of_its_invitation_and_a_waiting_reserve_is_not(
    expert_browser, drawn, experts
):
    member, reserve = members_of(drawn, experts)[0], reserve_of(drawn, experts)

    [message] = expert_browser(member).get("/api/messages").get_json()["messages"]

    assert message["text"].startswith("You are invited to an evaluation on ")
    assert message["link"] == "/expert/invitations"
    assert expert_browser(reserve).get("/api/messages").get_json()["messages"] == []


def test_the_invitations_page_names_nobody(expert_browser, drawn, experts):
    member = members_of(drawn, experts)[0]

    page = text_of(expert_browser(member).get("/expert/invitations"))

    assert [name for name in NAMES if name in page] == []


def test_a_reserve_not_yet_called_has_no_invitation(expert_browser, drawn, experts):
    page = text_of(expert_browser(reserve_of(drawn, experts)).get("/expert/invitations"))

    assert 'data-testid="no-invitations"' in page


def test_the_expert_accepts_through_the_form(expert_browser, drawn, experts):
    browser = expert_browser(members_of(drawn, experts)[0])

    response = post_form(
        browser, "/expert/invitations", f"/expert/invitations/{drawn.id}/answer", decision="accept"
    )

    assert response.status_code == 302
    assert 'data-status="accepted"' in text_of(browser.get("/expert/invitations"))


def test_the_expert_declines_with_a_reason_and_the_reserve_is_invited(
    expert_browser, drawn, experts
):
    browser = expert_browser(members_of(drawn, experts)[0])

    post_form(
        browser,
        "/expert/invitations",
        f"/expert/invitations/{drawn.id}/answer",
        decision="decline",
        **{f"answer-{drawn.id}-reason": "Travelling that week."},
    )

    page = text_of(expert_browser(reserve_of(drawn, experts)).get("/expert/invitations"))
    assert 'data-status="invited"' in page


def test_the_reason_for_declining_is_kept_with_the_place(expert_browser, drawn, experts):
    from sqlalchemy import select

    from bidhall.db import db
    from evaluation.draws.models import DrawPlace

    browser = expert_browser(members_of(drawn, experts)[0])
    post_form(
        browser,
        "/expert/invitations",
        f"/expert/invitations/{drawn.id}/answer",
        decision="decline",
        **{f"answer-{drawn.id}-reason": "Travelling that week."},
    )
    reasons = db.session.scalars(
        select(DrawPlace.decline_reason).where(DrawPlace.decline_reason.is_not(None))
    ).all()
    assert reasons == ["Travelling that week."]


def test_declining_without_a_reason_is_refused(expert_browser, drawn, experts):
    browser = expert_browser(members_of(drawn, experts)[0])

    response = post_form(
        browser, "/expert/invitations", f"/expert/invitations/{drawn.id}/answer", decision="decline"
    )

    assert response.status_code == 400
    assert "Give a reason for declining." in text_of(response)


def test_an_answer_after_the_deadline_is_refused_in_the_pages_language(
    expert_browser, drawn, experts, clock
):
    browser = expert_browser(members_of(drawn, experts)[0])
    token = csrf_token(browser, "/expert/invitations")
    clock.advance(minutes=121)

    response = browser.post(
        f"/expert/invitations/{drawn.id}/answer",
        data={"csrf_token": token, "decision": "accept"},
        headers={"Accept-Language": "zh-CN"},
    )

    assert response.status_code == 422
    assert "答复期限已过" in text_of(response)


def test_the_answer_form_is_gone_once_the_deadline_passed(expert_browser, drawn, experts, clock):
    browser = expert_browser(members_of(drawn, experts)[0])
    clock.advance(minutes=121)

    page = text_of(browser.get("/expert/invitations"))

    assert 'data-testid="answer-form"' not in page


def test_an_expert_not_drawn_cannot_answer(expert_browser, make_expert, drawn):
    browser = expert_browser(make_expert(name="Not Drawn"))

    response = post_form(
        browser, "/expert/invitations", f"/expert/invitations/{drawn.id}/answer", decision="accept"
    )

    assert response.status_code == 404


@pytest.fixture
def drawn_at_a_venue(world, tender, experts, make_venue, draw_request):
    """The tender's committee of 5 seated at one main venue, SH-A."""
    from evaluation.draws import services

    venue = make_venue(REGION, workstations=8, code="SH-A")
    return services.draw_experts(
        world.agency,
        tender.id,
        draw_request(venues=[{"venue_id": venue.id, "quota": 5, "role": "main"}]),
    )


def test_the_invitation_names_the_venue_and_workstation(expert_browser, drawn_at_a_venue, experts):
    member = members_of(drawn_at_a_venue, experts)[0]

    page = text_of(expert_browser(member).get("/expert/invitations"))

    assert re.search(r'data-testid="venue">SH-A · [^<]* · workstation \d<', page)


def test_the_agency_sees_the_counts_per_venue(agency_browser, tender, drawn_at_a_venue):
    page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    assert re.search(
        r'data-testid="draw-venues".*<td>SH-A · [^<]*</td><td>0</td><td>5</td>', page, re.S
    )
    assert [name for name in NAMES if name in page] == []


# --- venue rows and the confirmation window in the request form --------------------------------


@pytest.fixture
def two_venues(make_venue, make_expert, experts):
    """A main venue of pool 310000 (SH-A) and a secondary one of pool 320000 (JS-B), with two
    eligible experts in 320000 beside the six of 310000."""
    main = make_venue(REGION, workstations=8, code="SH-A")
    secondary = make_venue("320000", workstations=4, code="JS-B")
    for _ in range(2):
        make_expert(region="320000")
    return main, secondary


def venue_rows(*rows: tuple) -> dict[str, str]:
    """The form fields of venue rows ``(venue, quota, reserves, role)``; the region rows are
    emptied (the region quotas follow from the venues)."""
    data = {"draw-regions-0-quota": "", "draw-regions-0-reserves": ""}
    for index, (venue, quota, reserves, role) in enumerate(rows):
        data |= {
            f"draw-venues-{index}-venue": str(venue.id),
            f"draw-venues-{index}-quota": str(quota),
            f"draw-venues-{index}-reserves": str(reserves),
            f"draw-venues-{index}-role": role,
        }
    return data


def test_the_request_form_offers_the_venues(agency_browser, tender, two_venues):
    page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    main, secondary = two_venues
    assert f'<option value="{main.id}">SH-A · ' in page
    assert f'<option value="{secondary.id}">JS-B · ' in page


def test_venue_rows_draw_the_committee_seated_at_those_venues(agency_browser, tender, two_venues):
    main, secondary = two_venues
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page,
        data=draw_form(
            csrf_token(agency_browser, page),
            **venue_rows((main, 3, 1, "main"), (secondary, 2, 0, "secondary")),
        ),
    )

    assert response.status_code == 302, text_of(response)
    draw = the_draw(tender)
    seated = Counter(p.venue_id for p in draw.places if p.status == "invited")
    assert seated == {main.id: 3, secondary.id: 2}
    assert (draw.quotas, draw.reserves) == ({REGION: 3, "320000": 2}, {REGION: 1, "320000": 0})
    assert [(v["venue_id"], v["role"]) for v in draw.venues] == [
        (main.id, "main"),
        (secondary.id, "secondary"),
    ]


def test_a_venue_row_with_members_but_no_venue_is_refused(agency_browser, tender, two_venues):
    main, _secondary = two_venues
    page = f"/agency/tenders/{tender.id}/draw"
    rows = venue_rows((main, 3, 0, "main"), (main, 2, 0, "secondary"))
    rows["draw-venues-1-venue"] = ""

    response = agency_browser.post(page, data=draw_form(csrf_token(agency_browser, page), **rows))

    assert response.status_code == 400
    assert "Choose the venue of each row with members or reserves." in text_of(response)
    assert the_draw(tender) is None


def test_venue_rows_with_two_main_venues_are_refused_in_chinese(agency_browser, tender, two_venues):
    main, secondary = two_venues
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page,
        data=draw_form(
            csrf_token(agency_browser, page),
            **venue_rows((main, 3, 0, "main"), (secondary, 2, 0, "main")),
        ),
        headers={"Accept-Language": "zh-CN"},
    )

    assert response.status_code == 422
    assert "须有且仅有一个主场" in text_of(response)
    assert the_draw(tender) is None


def test_the_confirmation_window_of_the_form_sets_the_answer_deadline(
    agency_browser, tender, experts, clock
):
    page = f"/agency/tenders/{tender.id}/draw"

    agency_browser.post(
        page, data=draw_form(csrf_token(agency_browser, page), **{"draw-answer_minutes": "30"})
    )

    invited = [p for p in the_draw(tender).places if p.status == "invited"]
    assert {p.answer_due_at for p in invited} == {clock.now() + timedelta(minutes=30)}


def test_a_confirmation_window_out_of_bounds_is_refused_on_the_page(
    agency_browser, tender, experts
):
    page = f"/agency/tenders/{tender.id}/draw"

    response = agency_browser.post(
        page, data=draw_form(csrf_token(agency_browser, page), **{"draw-answer_minutes": "2"})
    )

    assert response.status_code == 422
    assert "the confirmation window is 5 to 1440 minutes, not 2" in text_of(response)
    assert the_draw(tender) is None


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "the evaluation must be scheduled after the opening at "),
        ("zh", "评标时间须晚于开标时间"),
    ],
)
def test_an_evaluation_before_the_opening_is_refused_on_the_page_in_its_language(
    agency_browser, tender, experts, language, said
):
    page = f"/agency/tenders/{tender.id}/draw"
    # the bid deadline is 2026-03-22 09:30 local: an evaluation the day before would come
    # before anyone may know who has bid
    data = draw_form(csrf_token(agency_browser, page), **{"draw-scheduled_at": "2026-03-21T09:00"})

    response = agency_browser.post(page, data=data, headers={"Accept-Language": language})

    assert response.status_code == 422
    assert said in text_of(response)
    assert the_draw(tender) is None


def test_the_drawn_page_shows_the_draws_confirmation_window(
    agency_browser, world, tender, experts, draw_request
):
    from evaluation.draws import services

    services.draw_experts(world.agency, tender.id, draw_request(answer_minutes=45))

    page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/draw"))

    assert "Confirmation window: 45 minutes per invitation." in page


def test_a_supervisor_is_refused_the_invitations_page(supervisor_browser):
    assert supervisor_browser.get("/expert/invitations").status_code == 403


# --- navigation and language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "link"),
    [
        ("agency", "nav-draws"),
        ("supervisor", "nav-draw-monitor"),
        ("expert", "nav-invitations"),
    ],
)
def test_the_navigation_links_each_role_to_its_draw_page(login, make_user, role, link):
    page = text_of(login(make_user(role)).get("/"))

    assert f'data-testid="{link}"' in page


def test_the_monitor_speaks_chinese_on_a_chinese_page(supervisor_browser, drawn):
    page = supervisor_browser.get(
        f"/supervision/draws/{drawn.id}", headers={"Accept-Language": "zh-CN"}
    )

    assert "随机种子承诺" in text_of(page)


def test_every_string_of_the_draw_pages_has_a_chinese_translation():
    with open(ROOT / "translations/zh/LC_MESSAGES/messages.po", "rb") as po_file:
        catalog = read_po(po_file)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    method_map = [
        ("templates/_nav_items.html", "jinja2"),
        ("templates/evaluation/draw*.html", "jinja2"),
        ("templates/evaluation/_draw*.html", "jinja2"),
        ("evaluation/draws/views.py", "python"),
        ("evaluation/draws/forms.py", "python"),
    ]
    used = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map,
            keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None},
        )
    }

    assert sorted(m for m in used if m not in translated) == []


def test_the_draw_refusals_have_chinese_messages():
    with open(ROOT / "translations/zh/LC_MESSAGES/messages.po", "rb") as po_file:
        catalog = read_po(po_file)
    codes = (
        "draw_not_found",
        "draw_exists",
        "tender_state",
        "committee_size",
        "quota_missing",
        "quota_negative",
        "venue_empty",
        "quota_sum",
        "reserve_region",
        "scheduled_past",
        "unknown_region",
        "not_invited",
        "answer_window_closed",
        "answers_pending",
        "draw_state",
        "decline_reason_required",
        "main_venue",
        "venue_twice",
        "venue_role",
        "unknown_venue",
        "quota_mismatch",
        "venue_short",
        "answer_minutes",
        "draw_not_verifiable_yet",
    )

    assert [
        c for c in codes if not (catalog.get(f"error:{c}") and catalog[f"error:{c}"].string)
    ] == []


def test_every_exclusion_reason_has_a_label_on_the_monitor():
    from evaluation.draws import rules
    from evaluation.draws.views import REASON_NAMES

    codes = {
        rules.PENALISED,
        rules.CREDIT,
        rules.NO_CERTIFICATE,
        rules.UNAVAILABLE,
        rules.EMPLOYER_BIDDER,
        rules.EMPLOYER_TENDERER,
        rules.RELATION_BIDDER,
        rules.RELATION_TENDERER,
        rules.PERSON_BIDDER,
        rules.PERSON_TENDERER,
        rules.SERVED_TOO_OFTEN,
    }
    assert set(REASON_NAMES) == codes
