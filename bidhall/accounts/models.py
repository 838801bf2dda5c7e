from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.db import Base


class Role(enum.StrEnum):
    TENDERER = "tenderer"
    AGENCY = "agency"
    BIDDER = "bidder"
    EXPERT = "expert"
    SUPERVISOR = "supervisor"
    ISSUER = "issuer"  # guarantee issuer: bank, guarantee company, insurer
    ADMIN = "admin"  # platform operator


# which organisation kind each role belongs to
ORG_KIND_FOR_ROLE = {
    Role.TENDERER: "tenderer",
    Role.AGENCY: "agency",
    Role.BIDDER: "bidder",
    Role.EXPERT: "expert",
    Role.SUPERVISOR: "authority",
    Role.ISSUER: "issuer",
    Role.ADMIN: "platform",
}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # tenderer | agency | bidder | expert | ...
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    created_at: Mapped[datetime]

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # where the message centre e-mails the user's messages as well (bidhall.notifications)
    email: Mapped[str | None] = mapped_column(String(254))

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token for the CLI and scripts. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Failed and successful logins, for throttling password guessing by source (kept in the
    database so every worker process sees the same count)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)  # as typed: may be no account
    # the source (accounts.rules.login_source): an IPv4 address or an IPv6 /64 network
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    succeeded: Mapped[bool]


class Registration(Base):
    """A company's self-service registration (自助注册), waiting for the centre's approval: the
    bidder organisation and its first user, created together when an administrator approves.
    The password is kept only as its hash, as a user's."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    contact_name: Mapped[str] = mapped_column(String(120))
    username: Mapped[str] = mapped_column(String(80), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(10), index=True)  # pending | approved | rejected
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(2000))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the network source it came from (rules.login_source), for the per-source limit only
    source: Mapped[str | None] = mapped_column(String(64), index=True)
