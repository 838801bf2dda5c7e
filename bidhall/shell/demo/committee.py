"""Chapter 4, the committee (评标委员会), the day before the deadline: the platform administrator
sets up two regions' expert pools, imports their experts from a CSV file (each expert a user with
its own key file and signing certificate) and two venues, a main venue (主场) in the home region
and a secondary one (副场), each with its local supervisor; the agency draws five members with
venue quotas 3 + 2 and a reserve each, for an evaluation the day after the opening; the drawn
experts accept. The draw is made before the opening: a tender is drawn for while published or
closed, and the evaluation it schedules must follow the opening."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bidhall import clock, config
from bidhall.accounts import services as accounts
from bidhall.shell.demo.context import DEMO_PASSWORD, Demo
from evaluation.draws import answers, visibility
from evaluation.draws import services as draws
from evaluation.draws.rules import VenueQuota
from evaluation.experts import services as experts
from evaluation.experts.rules import IMPORT_COLUMNS
from evaluation.venues import services as venues

HOME, OTHER = "330100", "330200"  # the tender's home region (Riverside) and its neighbour's
# code, name, role in this draw, region, workstations: the main venue first
VENUES = (
    ("RS-A", "Riverside evaluation room A", "主场", HOME, 8),
    ("LS-B", "Lakeside evaluation room B", "副场", OTHER, 4),
)
SPECIALTY = "A01"  # building works: A0101 construction, A0102 structures, ...
# name, region, specialties, employer (an employer that is a bidder excludes the expert)
EXPERTS = (
    ("Wang Fang", HOME, "A0101", "Riverside Architectural Design Institute"),
    ("Li Wei", HOME, "A0101;A0203", "Riverside University of Technology"),
    ("Zhang Min", HOME, "A0102", "Provincial Building Research Institute"),
    ("Liu Yang", HOME, "A0101", "Riverside Construction Cost Consultancy"),
    ("Chen Jing", HOME, "A0103", "Riverside Urban Planning Institute"),
    ("Zhao Lei", HOME, "A0101", "Huadong Construction Group"),
    ("Sun Hui", OTHER, "A0101", "Lakeside Design and Research Institute"),
    ("Zhou Qiang", OTHER, "A0102", "Lakeside Polytechnic"),
    ("Wu Xia", OTHER, "A0101", "Lakeside Project Management Co."),
    ("Xu Tao", OTHER, "A0103", "Lakeside Building Quality Station"),
)


def run(demo: Demo) -> None:
    zone = ZoneInfo(config.setting("DEFAULT_TIMEZONE", "Asia/Shanghai"))
    deadline_day = clock.local(demo.notice.deadline_after, str(zone)).date()
    demo.fake.set(datetime.combine(deadline_day - timedelta(days=1), time(10), zone))
    import_experts(demo)
    make_venues(demo)
    main, other = demo.venues
    scheduled = datetime.combine(deadline_day + timedelta(days=1), time(9), zone)
    draw = demo.draw = draws.draw_experts(
        demo.cast.agency,
        demo.tender.id,
        draws.DrawRequest(
            specialties=(SPECIALTY,),
            members=5,
            quotas={},  # they follow from the venues' quotas
            reserves={},
            scheduled_at=scheduled,
            venues=(
                VenueQuota(venue_id=main.id, quota=3, reserves=1, role="main"),
                VenueQuota(venue_id=other.id, quota=2, reserves=1),
            ),
        ),
    )
    eligible = sum(len(region["candidates"]) for region in draw.frozen["regions"])
    demo.say(
        f"agency drew the committee (专家抽取) for the evaluation on "
        f"{scheduled:%m-%d %H:%M}, after the opening: 5 members ({main.code} 3, {other.code} 2) "
        f"and 2 reserves from {eligible} eligible experts, {len(draw.frozen['excluded'])} "
        "excluded (who and why only from the reading out); the seed was committed and signed "
        "before the draw"
    )

    demo.fake.advance(minutes=20)
    invited = [p for p in draws.get_draw(draw.id).places if p.status == "invited"]
    for place in invited:
        user = demo.cast.experts[place.expert.name]
        (invitation,) = visibility.invitations(user)
        answers.answer_invitation(user, invitation.draw_id, True)
    demo.say(
        f"the {len(invited)} drawn experts saw their invitations (venue, workstation) and "
        "accepted; their names stay secret until the result (Law Art 38)"
    )


def import_experts(demo: Demo) -> None:
    """The two pools, the experts' users, the CSV file and its import; each expert makes its
    key file and has its keys certified (the draw excludes an expert with no certificate)."""
    cast = demo.cast
    experts.create_pool(cast.admin, HOME, "Riverside")
    experts.create_pool(cast.admin, OTHER, "Lakeside")
    registry = accounts.create_organisation(
        "system:demo", "Provincial Evaluation Expert Registry", "expert"
    )
    # an employer that holds the tender documents excludes its expert (employer_bidder)
    bidder_orgs = {bidder.display_name: bidder.organisation_id for bidder in cast.bidders}
    rows = []
    for number, (name, region, specialties, employer) in enumerate(EXPERTS, start=1):
        user = accounts.create_user(
            "system:demo", f"expert{number:02d}", DEMO_PASSWORD, "expert", registry.id, name
        )
        cast.experts[name] = user
        rows.append(
            {
                "id_number": id_number(region, number),
                "name": name,
                "username": user.username,
                "region": region,
                "specialties": specialties,
                "employer": employer,
                "employer_organisation_id": bidder_orgs.get(employer, ""),
            }
        )
    path = demo.instance / "experts.csv"
    path.write_bytes(csv_bytes(rows))
    data = path.read_bytes()  # what `bidhall experts import FILE` reads
    imported = experts.import_experts(
        cast.admin, experts.read_csv(data), hashlib.sha256(data).hexdigest()
    )
    for user in cast.experts.values():
        demo.enroll(user)
    demo.say(
        f"admin set up the expert pools (专家库) {HOME} Riverside and {OTHER} Lakeside and "
        f"imported {imported} experts from {path}; each expert made its key file and the CA "
        "certified its keys"
    )


def make_venues(demo: Demo) -> None:
    """The main venue (主场) in the home region and a secondary one (副场), each with a new
    local supervisor who checks its experts in and out: Riverside's from the filing
    supervisor's bureau, Lakeside's from its own centre's supervision office."""
    cast = demo.cast
    lakeside = accounts.create_organisation(
        "system:demo", "Lakeside Public Resource Trading Supervision Office", "authority"
    )
    shown = []
    for (code, name, role, region, workstations), organisation_id in zip(
        VENUES, (cast.supervisor.organisation_id, lakeside.id), strict=True
    ):
        supervisor = accounts.create_user(
            "system:demo",
            f"{code.lower()}-supervisor",
            DEMO_PASSWORD,
            "supervisor",
            organisation_id,
            f"{name} supervisor",
        )
        venue = venues.create_venue(cast.admin, code, name, region, supervisor.id, workstations)
        cast.venue_supervisors[venue.id] = supervisor
        demo.venues.append(venue)
        shown.append(
            f"{code} ({role}, {workstations} workstations, local supervisor {supervisor.username})"
        )
    demo.say(f"venues: {' and '.join(shown)}")


def id_number(region: str, number: int) -> str:
    """A resident identity number (GB 11643) of the region, born 1970 + number, with its
    check digit."""
    body = f"{region}{1970 + number}0312{number:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def csv_bytes(rows: list[dict]) -> bytes:
    """The import file as the operator gives it (docs/draw.md, "CSV import")."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
