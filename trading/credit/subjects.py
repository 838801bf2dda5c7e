"""Who a credit decision may be about. Organisations are the kernel's; experts live in
evaluation, which trading may not import: the shell registers evaluation's resolver here
(bidhall/shell/app.py), as it registers the statistics' tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bidhall.accounts.models import Organisation
from trading.credit import rules


@dataclass(frozen=True)
class Subject:
    kind: str  # rules.SUBJECT_KINDS
    id: int
    name: str
    organisation_id: int | None = None  # whose users may read its record (an organisation)
    user_id: int | None = None  # ... or which user (an expert)


Resolver = Callable[[Session, int], Subject | None]
_resolvers: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    _resolvers[kind] = resolver


def reset() -> None:
    _resolvers.clear()
    register("organisation", organisation)


def resolve(session: Session, kind: str, subject_id: int) -> Subject | None:
    resolver = _resolvers.get(kind)
    return resolver(session, subject_id) if resolver is not None else None


def organisation(session: Session, organisation_id: int) -> Subject | None:
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind not in rules.ORGANISATION_KINDS:
        return None
    return Subject("organisation", org.id, org.name, organisation_id=org.id)


reset()
