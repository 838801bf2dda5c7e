"""The experts' pools and the CSV import of the experts (every row or none). One function per use
case, one transaction each; the actor is an argument."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Organisation, Role, User
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from bidhall.events import emit
from evaluation.experts import rules as expert_rules
from evaluation.experts.models import (
    Expert,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
    Pool,
)

logger = logging.getLogger(__name__)


CHUNK = 500  # ids per IN (...) list


class ImportRejected(RuleViolation):
    code = "import_rejected"


def require_admin(actor: User | str) -> None:
    if isinstance(actor, str):
        return  # system:... (tests, the demo)
    if actor is None or actor.role != Role.ADMIN:
        raise Forbidden("this needs the admin role")


# --- pools and the import -----------------------------------------------------------------------


def create_pool(actor: User | str, region: str, name: str) -> Pool:
    require_admin(actor)
    region = (region or "").strip()
    if not expert_rules.REGION_CODE.match(region):
        raise InvalidInput(f"region code {region!r} is not 2-12 letters or digits", field="region")
    with db.transaction() as session:
        if session.scalar(select(Pool.id).where(Pool.region == region)) is not None:
            raise Conflict(f"pool {region} exists", code="pool_exists")
        pool = Pool(region=region, name=(name or region).strip()[:120], created_at=clock.now())
        session.add(pool)
        session.flush()
        emit("pool.created", actor, pool_id=pool.id, region=region)
    return pool


def pools() -> Sequence[Pool]:
    return list(db.session.scalars(select(Pool).order_by(Pool.region)))


def import_experts(
    actor: User | str, raw_rows: Iterable[tuple[int, Mapping[str, str | None]]], source_sha256: str
) -> int:
    """Import every row or none: any invalid row refuses the whole file, listing each bad row's
    line number and reasons."""
    require_admin(actor)
    parsed: list[expert_rules.ExpertRow] = []
    bad: dict[int, list[str]] = {}
    for line, raw in raw_rows:
        row, errors = expert_rules.parse_row(line, raw)
        if errors:
            bad[line] = errors
        else:
            parsed.append(row)
    timezone = ZoneInfo(config.setting("DEFAULT_TIMEZONE", "Asia/Shanghai"))
    now = clock.now()
    with db.transaction() as session:
        _check_against_database(session, parsed, bad)
        if bad:
            rows = [{"line": line, "errors": errors} for line, errors in sorted(bad.items())]
            raise ImportRejected(
                f"{len(rows)} invalid row(s); nothing imported", rows=rows, invalid=len(rows)
            )
        if not parsed:
            raise ImportRejected("the file holds no expert rows", rows=[], invalid=0)
        users = _users_by_name(session, [row.username for row in parsed])
        # a plain executemany, then the new ids by identity number: RETURNING over many
        # batches costs more than one more indexed query per 500 rows
        session.execute(
            insert(Expert.__table__),
            [
                {
                    "user_id": users[row.username][0],
                    "id_number": row.id_number,
                    "name": row.name,
                    "region": row.region,
                    "employer": row.employer,
                    "employer_organisation_id": row.employer_organisation_id,
                    "credit_score": row.credit_score,
                    "penalised_until": row.penalised_until
                    and local_midnight(row.penalised_until, timezone),
                    "created_at": now,
                }
                for row in parsed
            ],
        )
        new_ids: dict[str, int] = {}
        for chunk in in_chunks([row.id_number for row in parsed]):
            new_ids.update(
                session.execute(
                    select(Expert.id_number, Expert.id).where(Expert.id_number.in_(chunk))
                ).all()
            )
        ids = [new_ids[row.id_number] for row in parsed]
        specialties, relations, unavailable = [], [], []
        for expert_id, row in zip(ids, parsed, strict=True):
            specialties += [{"expert_id": expert_id, "code": code} for code in row.specialties]
            relations += [
                {"expert_id": expert_id, "kind": k, "organisation_id": o, "person_name": p}
                for k, o, p in row.relations
            ]
            unavailable += [
                {
                    "expert_id": expert_id,
                    "starts_at": local_midnight(first, timezone),
                    "ends_at": local_midnight(last + timedelta(days=1), timezone),
                }
                for first, last in row.unavailable
            ]
        for model, values in (
            (ExpertSpecialty, specialties),
            (ExpertRelation, relations),
            (ExpertUnavailability, unavailable),
        ):
            if values:
                session.execute(insert(model.__table__), values)
        emit("experts.imported", actor, count=len(ids), sha256=source_sha256)
    logger.info("imported %s experts from %s", len(ids), source_sha256)
    return len(ids)


def local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``timezone``: the bound of a local day (unavailability, penalty,
    the evaluation's day)."""
    return datetime.combine(day, time(0), tzinfo=timezone)


def in_chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``values`` in slices of ``CHUNK``, one IN (...) list each."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _users_by_name(session: Session, names: Sequence[str]) -> dict[str, tuple[int, Role]]:
    found = {}
    for chunk in in_chunks(sorted(set(names))):
        for user_id, username, role in session.execute(
            select(User.id, User.username, User.role).where(User.username.in_(chunk))
        ):
            found[username] = (user_id, role)
    return found


def _check_against_database(
    session: Session, parsed: list[expert_rules.ExpertRow], bad: dict[int, list[str]]
) -> None:
    regions = set(session.scalars(select(Pool.region)))
    users = _users_by_name(session, [row.username for row in parsed])
    id_numbers = sorted({row.id_number for row in parsed})
    known_ids: set[str] = set()
    for chunk in in_chunks(id_numbers):
        known_ids.update(
            session.scalars(select(Expert.id_number).where(Expert.id_number.in_(chunk)))
        )
    user_ids = sorted({u[0] for u in users.values()})
    experts_already: set[int] = set()
    for chunk in in_chunks(user_ids):
        experts_already.update(
            session.scalars(select(Expert.user_id).where(Expert.user_id.in_(chunk)))
        )
    org_ids = sorted(
        {row.employer_organisation_id for row in parsed if row.employer_organisation_id}
        | {org for row in parsed for _k, org, _p in row.relations if org is not None}
    )
    known_orgs: set[int] = set()
    for chunk in in_chunks(org_ids):
        known_orgs.update(
            session.scalars(select(Organisation.id).where(Organisation.id.in_(chunk)))
        )
    first_line_of_id: dict[str, int] = {}
    first_line_of_user: dict[str, int] = {}
    for row in parsed:
        errors = []
        if row.region not in regions:
            errors.append(f"unknown region {row.region!r} (no such pool)")
        if row.id_number in known_ids:
            errors.append(f"id_number {row.id_number} is already in the pool")
        elif row.id_number in first_line_of_id:
            errors.append(
                f"duplicate id_number {row.id_number} (first on line "
                f"{first_line_of_id[row.id_number]})"
            )
        first_line_of_id.setdefault(row.id_number, row.line)
        user = users.get(row.username)
        if user is None:
            errors.append(f"no user {row.username!r}")
        elif user[1] != Role.EXPERT:
            errors.append(f"user {row.username!r} does not have the expert role")
        elif user[0] in experts_already:
            errors.append(f"user {row.username!r} is already an expert")
        elif row.username in first_line_of_user:
            errors.append(
                f"duplicate username {row.username!r} (first on line "
                f"{first_line_of_user[row.username]})"
            )
        first_line_of_user.setdefault(row.username, row.line)
        if row.employer_organisation_id and row.employer_organisation_id not in known_orgs:
            errors.append(f"no organisation {row.employer_organisation_id} (employer)")
        for kind, org, _person in row.relations:
            if org is not None and org not in known_orgs:
                errors.append(f"no organisation {org} ({kind} relation)")
        if errors:
            bad[row.line] = errors


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_csv(data: bytes) -> list[tuple[int, dict[str, str | None]]]:
    """The rows of an expert CSV (UTF-8, a header line naming the columns of docs/draw.md),
    each with its line number in the file."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", code="invalid_csv") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in expert_rules.REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"the header line lacks the column(s) {', '.join(missing)}",
            code="invalid_csv",
            missing=missing,
        )
    unknown = [c for c in header if c not in expert_rules.IMPORT_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown column(s) {', '.join(unknown)}", code="invalid_csv", unknown=unknown
        )
    rows = []
    for row in reader:
        rows.append((reader.line_num, row))
    return rows
