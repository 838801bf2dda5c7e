"""The experts' pools (one per region), the experts, their specialties, declared relations and
unavailability."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.db import Base


class Pool(Base):
    """One region's (or centre's) pool of experts, named by its code, e.g. "310000"."""

    __tablename__ = "expert_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class Expert(Base):
    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)  # 居民身份证号
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(ForeignKey("expert_pools.region"), index=True)
    # the expert's employer (not the user's organisation, which is of kind "expert")
    employer: Mapped[str] = mapped_column(String(200))
    employer_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    credit_score: Mapped[int] = mapped_column(default=100)
    penalised_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        order_by="ExpertSpecialty.code", lazy="selectin", cascade="all, delete-orphan"
    )


class ExpertSpecialty(Base):
    """A hierarchical specialty code: "A01" (a field) and "A0101" (a branch of it)."""

    __tablename__ = "expert_specialties"
    __table_args__ = (UniqueConstraint("expert_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), index=True)


class ExpertRelation(Base):
    """A declared relation: a relative's, former employer's or shareholding's organisation."""

    __tablename__ = "expert_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # relative | former_employer | shareholding
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_name: Mapped[str | None] = mapped_column(String(120))


class ExpertUnavailability(Base):
    """The expert cannot sit from ``starts_at`` (inclusive) to ``ends_at`` (exclusive)."""

    __tablename__ = "expert_unavailabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
