"""Draw web pages: the agency's draw page for its tender (the request form, then the commitment,
the counts and the confirmation status, never a name before publication), the supervisor's draw
monitor (commitment, frozen list, the exclusions: per region counts until the tender's reading out,
then who and why; the committee with names, confirmations, and after publication the revealed
seed), and the expert's invitations (accept, or decline with a reason).

Every action is POST → one service call → flash → redirect (PRG); a refused action re-renders its
page with the message flashed in the page's language and the error's HTTP status. What each role
may see is decided by ``visibility.access`` and ``visibility.exclusions`` (docs/draw.md, "Who sees
what").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from bidhall import clock
from bidhall.accounts.models import Role
from bidhall.errors import DomainError, InvalidInput, NotFound
from bidhall.web import actor, refusal_status, require, user_message
from evaluation.draws import answers, rules, services, visibility
from evaluation.draws.forms import DrawForm, InvitationAnswerForm, PublishForm
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.experts import services as experts
from evaluation.venues import services as venue_services
from trading.tenders import queries as trading_services
from trading.tenders.forms import option
from trading.tenders.models import Tender

blueprint = Blueprint("draws", __name__)

MANAGERS = (Role.AGENCY, Role.TENDERER)
EXCLUDED_SHOWN = 200  # excluded experts listed by name on the monitor; the rest are counted

# --- URL rules ----------------------------------------------------------------------------------
# agency/tenderer:
#               GET  /agency/draws                              agency_draws
#               GET  /agency/tenders/<id>/draw                  draw_page
#               POST /agency/tenders/<id>/draw                  request_draw
#               POST /agency/tenders/<id>/draw/publish          publish_from_draw_page
# supervisor:   GET  /supervision/draws                         monitor_list
#               GET  /supervision/draws/<draw_id>               monitor
#               POST /supervision/draws/<draw_id>/publish       publish_from_monitor
# expert:       GET  /expert/invitations                        invitations
#               POST /expert/invitations/<draw_id>/answer       answer_invitation

# Names the templates translate from data (``_(place.status)``, ``_(draw.state)``, exclusion
# reasons): listed with literal msgids so that ``pybabel extract`` keeps them in the catalog.
STATUS_NAMES = {
    PlaceStatus.INVITED: _l("pending"),
    # "accepted" alone is a filing decision (予以备案); an invitation is accepted otherwise (已接受)
    PlaceStatus.ACCEPTED: lazy_pgettext("invitation", "accepted"),
    PlaceStatus.DECLINED: _l("declined"),
    PlaceStatus.TIMED_OUT: _l("no answer"),
    PlaceStatus.RESERVE: _l("reserve, not called"),
    PlaceStatus.RECUSED: _l("recused"),
}
DRAW_STATE_NAMES = {
    "committed": _l("committed"),
    "drawn": _l("drawn"),
    "published": _l("published"),
}
REASON_NAMES = {
    rules.PENALISED: _l("penalised"),
    rules.CREDIT: _l("credit: black-listed or score too low"),
    rules.NO_CERTIFICATE: _l("no valid signing certificate"),
    rules.UNAVAILABLE: _l("unavailable at the scheduled time"),
    rules.EMPLOYER_BIDDER: _l("employer holds the tender documents"),
    rules.EMPLOYER_TENDERER: _l("employer is the tenderer"),
    rules.RELATION_BIDDER: _l("declared relation with a holder of the documents"),
    rules.RELATION_TENDERER: _l("declared relation with the tenderer"),
    rules.PERSON_BIDDER: _l("declared relation with a person of a holder of the documents"),
    rules.PERSON_TENDERER: _l("declared relation with a person of the tenderer"),
    rules.SERVED_TOO_OFTEN: _l("served this tenderer too often"),
}


@blueprint.app_context_processor
def _draw_helpers() -> dict[str, Any]:
    return {
        "place_status_name": lambda status: STATUS_NAMES.get(status, status),
        "draw_state_name": lambda state: DRAW_STATE_NAMES.get(state, state),
        "exclusion_reason_name": lambda reason: REASON_NAMES.get(reason, reason),
    }


# --- what the pages show of a draw --------------------------------------------------------------


@dataclass
class RegionStatus:
    """One region's seats: counts only (what the agency may see before publication)."""

    region: str
    quota: int
    reserves: int
    counts: Counter = field(default_factory=Counter)
    called: int = 0  # reserves called to a seat

    @property
    def vacated(self) -> int:
        return self.counts[PlaceStatus.DECLINED] + self.counts[PlaceStatus.TIMED_OUT]

    @property
    def replaced(self) -> int:
        return min(self.vacated, self.called)

    @property
    def unfilled(self) -> int:
        """Seats left empty because the region's reserves ran out."""
        return self.vacated - self.replaced


@dataclass(frozen=True)
class Seat:
    """A drawn place as a page shows it: the name only where the viewer may see it."""

    region: str
    number: int  # 1-based draw order within the region
    member: bool  # drawn as a member (else as a reserve)
    status: str
    replaced: bool  # declined or unanswered, and a reserve took the seat
    venue: str | None  # where the seat is, for draws with venues
    workstation: int | None
    invited_at: Any
    answer_due_at: Any
    answered_at: Any
    place: DrawPlace


def region_statuses(draw: ExpertDraw) -> list[RegionStatus]:
    regions = {
        region: RegionStatus(region, quota, draw.reserves.get(region, 0))
        for region, quota in sorted(draw.quotas.items())
    }
    for place in draw.places:
        # a supplementary round may draw from a region without a quota of its own
        status = regions.setdefault(place.region, RegionStatus(place.region, 0, 0))
        status.counts[place.status] += 1
        if place.position >= status.quota and place.status != PlaceStatus.RESERVE:
            status.called += 1
    return list(regions.values())


def seats(draw: ExpertDraw) -> list[Seat]:
    """Every place in region and draw order. A vacated place counts as replaced when its region
    called as many reserves as it lost members (which reserve took which seat is in the ledger)."""
    statuses = {s.region: s for s in region_statuses(draw)}
    venues = visibility.venue_names(p.venue_id for p in draw.places)
    rows = []
    for place in sorted(draw.places, key=lambda p: (p.region, p.position)):
        region = statuses[place.region]
        vacated = place.status in (PlaceStatus.DECLINED, PlaceStatus.TIMED_OUT)
        rows.append(
            Seat(
                region=place.region,
                number=place.position + 1,
                member=place.position < region.quota,
                status=place.status,
                replaced=vacated and region.unfilled == 0,
                venue=venues.get(place.venue_id),
                workstation=place.workstation,
                invited_at=place.invited_at,
                answer_due_at=place.answer_due_at,
                answered_at=place.answered_at,
                place=place,
            )
        )
    return rows


def venue_statuses(draw: ExpertDraw) -> list[tuple[str, Counter]]:
    """Per venue, how many seats are in each confirmation status (draws with venues)."""
    venues = visibility.venue_names(p.venue_id for p in draw.places)
    counts: dict[str, Counter] = {}
    for place in draw.places:
        if place.venue_id is not None:
            counts.setdefault(venues[place.venue_id], Counter())[place.status] += 1
    return sorted(counts.items())


def _tender_of(draw: ExpertDraw) -> Tender:
    return trading_services.get_tender(draw.tender_id)


def _answer_minutes() -> int:
    return current_app.config.get("EXPERT_ANSWER_MINUTES", 120)


# --- the agency's draw pages --------------------------------------------------------------------


@blueprint.get("/agency/draws")
@require(*MANAGERS)
def agency_draws() -> Any:
    tenders = trading_services.managed_tenders(actor())
    draws = visibility.draws_of_tenders([t.id for t in tenders])
    return render_template(
        "evaluation/draw_agency_list.html",
        rows=[
            (t, draws.get(t.id))
            for t in tenders
            if t.state in services.DRAWABLE_STATES or t.id in draws
        ],
    )


@blueprint.get("/agency/tenders/<int:tender_id>/draw")
@require(*MANAGERS)
def draw_page(tender_id: int) -> Any:
    return _render_draw_page(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/draw")
@require(*MANAGERS)
def request_draw(tender_id: int) -> Any:
    tender = services.require_manager(actor(), tender_id)  # outsiders learn nothing more
    form = _draw_form(DrawForm(prefix="draw"))
    try:
        services.draw_experts(actor(), tender.id, form.draw_request(tender.timezone))
    except DomainError as error:
        return _render_draw_page(tender_id, error, form)
    flash(
        _(
            "The committee is drawn: the commitment was published before the draw. The drawn "
            "experts are invited to confirm."
        ),
        "success",
    )
    return redirect(url_for("draws.draw_page", tender_id=tender_id))


@blueprint.post("/agency/tenders/<int:tender_id>/draw/publish")
@require(*MANAGERS)
def publish_from_draw_page(tender_id: int) -> Any:
    services.require_manager(actor(), tender_id)
    try:
        draw = visibility.draw_of_tender(tender_id)
        if draw is None:
            raise _no_draw(tender_id)
        services.publish_result(actor(), draw.id)
    except DomainError as error:
        return _render_draw_page(tender_id, error)
    flash(_("The result is published and the seed revealed."), "success")
    return redirect(url_for("draws.draw_page", tender_id=tender_id))


def _no_draw(tender_id: int) -> DomainError:
    return NotFound(f"no draw for tender {tender_id}", code="draw_not_found")


def _draw_form(form: DrawForm | None = None) -> DrawForm:
    """The request form with the pools and the venues to choose from; a new one has its first
    row's region set to the first pool and its first venue row's role to main."""
    pools = experts.pools()
    choices = [option("", "—")] + [option(p.region, f"{p.region} · {p.name}") for p in pools]
    venue_choices = [option("", "—")] + [
        option(str(v.id), f"{v.code} · {v.name} ({v.region})") for v in venue_services.venues()
    ]
    if form is None:
        form = DrawForm(prefix="draw", formdata=None)
        if pools:
            form.regions[0].form.region.data = pools[0].region
        form.venues[0].form.role.data = "main"
    for entry in form.regions:
        entry.form.region.choices = choices
    for entry in form.venues:
        entry.form.venue.choices = venue_choices
    return form


def _render_draw_page(
    tender_id: int, error: DomainError | None = None, form: DrawForm | None = None
) -> Any:
    user = actor()
    tender = services.require_manager(user, tender_id)
    draw = visibility.draw_of_tender(tender.id)
    if error is not None:
        flash(_refusal_text(error), "danger")
    level = visibility.access(user, draw) if draw is not None else None
    return render_template(
        "evaluation/draw_agency.html",
        tender=tender,
        draw=draw,
        # "counts" before publication: no names, no expert ids, no exclusions
        names=level == "full",
        regions=region_statuses(draw) if draw is not None else [],
        venues=venue_statuses(draw) if draw is not None else [],
        seats=seats(draw) if draw is not None else [],
        form=form or (_draw_form() if draw is None else None),
        publish_form=PublishForm(prefix="publish"),
        drawable=tender.state in services.DRAWABLE_STATES,
        verifiable=draw is not None and visibility.is_verifiable(draw),
        answer_minutes=_answer_minutes(),
        answer_minutes_min=rules.ANSWER_MINUTES_MIN,
        answer_minutes_max=rules.ANSWER_MINUTES_MAX,
    ), refusal_status(error)


# --- the supervisor's draw monitor --------------------------------------------------------------


@blueprint.get("/supervision/draws")
@require(Role.SUPERVISOR)
def monitor_list() -> Any:
    return render_template(
        "evaluation/draw_monitor_list.html",
        rows=[(d, tender, region_statuses(d)) for d, tender in visibility.all_draws()],
    )


@blueprint.get("/supervision/draws/<int:draw_id>")
@require(Role.SUPERVISOR)
def monitor(draw_id: int) -> Any:
    return _render_monitor(draw_id)


@blueprint.post("/supervision/draws/<int:draw_id>/publish")
@require(Role.SUPERVISOR)
def publish_from_monitor(draw_id: int) -> Any:
    try:
        services.publish_result(actor(), draw_id)
    except DomainError as error:
        return _render_monitor(draw_id, error)
    flash(_("The result is published and the seed revealed."), "success")
    return redirect(url_for("draws.monitor", draw_id=draw_id))


def _render_monitor(draw_id: int, error: DomainError | None = None) -> Any:
    draw, _level = visibility.visible_draw(actor(), draw_id)  # "full" for a supervisor
    if error is not None:
        flash(_refusal_text(error), "danger")
    excluded = visibility.exclusions(draw)  # who and why only from the reading out
    rows = excluded.rows or []
    shown = rows[:EXCLUDED_SHOWN]
    names = visibility.expert_names([r["expert_id"] for r in shown])
    return render_template(
        "evaluation/draw_monitor.html",
        draw=draw,
        tender=_tender_of(draw),
        regions=region_statuses(draw),
        venues=venue_statuses(draw),
        seats=seats(draw),
        eligible={r["region"]: len(r["candidates"]) for r in draw.frozen.get("regions", [])},
        excluded_per_region=excluded.per_region,
        exclusions_shown=excluded.rows is not None,
        reason_counts=sorted(Counter(reason for row in rows for reason in row["reasons"]).items()),
        excluded=[(row, names.get(row["expert_id"], "?")) for row in shown],
        excluded_total=excluded.total,
        verifiable=visibility.is_verifiable(draw),
        publish_form=PublishForm(prefix="publish"),
    ), refusal_status(error)


# --- the expert's invitations -------------------------------------------------------------------


@blueprint.get("/expert/invitations")
@require(Role.EXPERT)
def invitations() -> Any:
    return _render_invitations()


@blueprint.post("/expert/invitations/<int:draw_id>/answer")
@require(Role.EXPERT)
def answer_invitation(draw_id: int) -> Any:
    answers.require_invited(actor(), draw_id)  # not drawn in it: "not found"
    form = InvitationAnswerForm(prefix=f"answer-{draw_id}")
    decision = request.form.get("decision")
    try:
        # shape checks; their messages are in the page's language already (no catalog entry
        # under their codes, so user_message keeps them)
        if decision not in ("accept", "decline"):
            raise InvalidInput(
                _("Choose to accept or to decline the invitation."),
                code="decision_missing",
                field="decision",
            )
        reason = (form.reason.data or "").strip()
        if decision == "decline" and not reason:
            raise InvalidInput(
                _("Give a reason for declining."), code="decline_reason_required", field="reason"
            )
        answers.answer_invitation(
            actor(), draw_id, decision == "accept", reason if decision == "decline" else None
        )
    except DomainError as error:
        return _render_invitations(error)
    if decision == "accept":
        flash(_("You accepted the invitation. Thank you."), "success")
    else:
        flash(_("You declined the invitation; a reserve expert will be called."), "success")
    return redirect(url_for("draws.invitations"))


def _render_invitations(error: DomainError | None = None) -> Any:
    user = actor()
    places = visibility.invitations(user)
    if error is not None:
        flash(_refusal_text(error), "danger")
    rows = []
    venues = visibility.venue_names(p.venue_id for p in places)
    for place in places:
        draw = services.get_draw(place.draw_id)
        rows.append((place, draw, _tender_of(draw), venues.get(place.venue_id)))
    now = clock.now()
    return render_template(
        "evaluation/draw_invitations.html",
        rows=rows,
        forms={p.draw_id: InvitationAnswerForm(prefix=f"answer-{p.draw_id}") for p in places},
        open_ids={
            p.draw_id
            for p in places
            if p.status == PlaceStatus.INVITED
            and (p.answer_due_at is None or clock.as_utc(p.answer_due_at) > now)
        },
    ), refusal_status(error)


# --- refusals -----------------------------------------------------------------------------------


def _refusal_text(error: DomainError) -> str:
    if isinstance(error, rules.PoolShort):
        # the details list every short region; the catalog holds one sentence per region
        return " ".join(
            [_("The pools cannot meet the quota; nothing was drawn.")]
            + [
                _(
                    "Region %(region)s has %(eligible)s eligible experts for %(needed)s places "
                    "(short by %(shortfall)s).",
                    **short,
                )
                for short in error.details.get("regions", [])
            ]
        )
    if isinstance(error, rules.VenueShort):
        return " ".join(
            [_("The venues cannot seat the committee; nothing was drawn.")]
            + [
                _(
                    "Venue %(code)s has %(workstations)s free workstations for %(seats)s members "
                    "(short by %(shortfall)s).",
                    **short,
                )
                for short in error.details.get("venues", [])
            ]
        )
    return user_message(error)
