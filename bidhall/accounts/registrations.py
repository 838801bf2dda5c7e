"""Self-service registration (自助注册) with the centre's approval: a company gives its name, its
unified social credit code, a contact person and the first user's name, password and e-mail; an
administrator approves (the bidder organisation and its user are created together) or rejects
with a reason. The REGISTRATION setting chooses: "self_service" (this) or "admin" (accounts
are opened by an administrator only). One transaction per action; the password is hashed at once
and never stored or logged as given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bidhall import clock, config, inputs
from bidhall.accounts import rules
from bidhall.accounts import services as accounts
from bidhall.accounts.models import Organisation, Registration, Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, NotFound
from bidhall.events import emit


@dataclass(frozen=True)
class Application:
    organisation_name: str
    credit_code: str
    contact_name: str
    username: str
    password: str
    email: str


def open_to_the_public() -> bool:
    return config.setting("REGISTRATION", "self_service") == "self_service"


def submit(application: Application, remote_addr: str | None = None) -> Registration:
    """A company's registration, checked and kept until an administrator decides. At most
    REGISTRATION_MAX_PER_SOURCE come from one network source (``remote_addr``'s) within
    REGISTRATION_WINDOW_MINUTES: more is refused (TooManyAttempts) before anything is hashed."""
    if not open_to_the_public():
        raise Forbidden(
            "accounts are opened by the centre's administrators: contact the centre",
            code="registration_closed",
        )
    source = rules.login_source(remote_addr) if remote_addr else None
    if source is not None:
        _check_source(source)
    name = inputs.text(application.organisation_name, "organisation_name", max_length=200)
    contact = inputs.text(application.contact_name, "contact_name", max_length=120)
    code = rules.check_credit_code(application.credit_code)
    username = (application.username or "").strip()
    rules.check_username(username)
    rules.check_password(application.password, config.setting("PASSWORD_MIN_LENGTH", 10))
    email = inputs.email(application.email, "email")
    password_hash = accounts.hash_password(application.password)
    with db.transaction() as session:
        pending = select(Registration).where(Registration.state == "pending")
        if session.scalar(select(Organisation.id).where(Organisation.name == name)) or (
            session.scalar(pending.where(Registration.organisation_name == name))
        ):
            raise Conflict(
                f"an organisation named {name!r} exists already",
                code="organisation_exists",
                field="organisation_name",
            )
        if session.scalar(select(Organisation.id).where(Organisation.credit_code == code)) or (
            session.scalar(pending.where(Registration.credit_code == code))
        ):
            raise Conflict(
                "an organisation with this credit code is registered or waiting for approval",
                code="credit_code_taken",
                field="credit_code",
            )
        if session.scalar(select(User.id).where(User.username == username)) or (
            session.scalar(pending.where(Registration.username == username))
        ):
            raise Conflict(
                f"the username {username!r} is taken", code="username_taken", field="username"
            )
        registration = Registration(
            organisation_name=name,
            credit_code=code,
            contact_name=contact,
            username=username,
            password_hash=password_hash,
            email=email,
            state="pending",
            submitted_at=clock.now(),
            source=source,
        )
        session.add(registration)
        session.flush()
        emit("registration.submitted", "system:registration", registration_id=registration.id)
    return registration


def _check_source(source: str) -> None:
    window = timedelta(minutes=config.setting("REGISTRATION_WINDOW_MINUTES", 60))
    now = clock.now()
    recent = select(Registration.submitted_at).where(
        Registration.source == source, Registration.submitted_at > now - window
    )
    times = sorted(db.session.scalars(recent))
    limit = config.setting("REGISTRATION_MAX_PER_SOURCE", 5)
    if len(times) >= limit:
        rules.refuse_for(
            "too many registrations from this network",
            times[-limit] + window - now,
            code="too_many_registrations",
        )


def registrations(actor: User) -> Sequence[Registration]:
    """Every registration, those waiting first, then the newest."""
    require_role(actor, Role.ADMIN)
    return list(
        db.session.scalars(
            select(Registration).order_by(
                (Registration.state != "pending"), Registration.submitted_at.desc()
            )
        )
    )


def approve(actor: User, registration_id: int) -> Registration:
    """Create the bidder organisation and its first user (bidder role) from the registration."""
    require_role(actor, Role.ADMIN)
    with db.transaction() as session:
        registration = _pending(session, registration_id)
        if session.scalar(select(User.id).where(User.username == registration.username)):
            raise Conflict(
                f"the username {registration.username!r} was taken since", code="username_taken"
            )
        if session.scalar(
            select(Organisation.id).where(
                (Organisation.name == registration.organisation_name)
                | (Organisation.credit_code == registration.credit_code)
            )
        ):
            raise Conflict("the organisation was registered since", code="organisation_exists")
        now = clock.now()
        organisation = Organisation(
            name=registration.organisation_name,
            kind="bidder",
            credit_code=registration.credit_code,
            created_at=now,
        )
        session.add(organisation)
        session.flush()
        user = User(
            username=registration.username,
            display_name=registration.contact_name,
            password_hash=registration.password_hash,
            role=Role.BIDDER,
            organisation=organisation,
            created_at=now,
            email=registration.email,
        )
        session.add(user)
        session.flush()
        registration.state, registration.decided_at = "approved", now
        registration.decided_by_id, registration.user_id = actor.id, user.id
        emit("organisation.registered", actor, organisation_id=organisation.id, kind="bidder")
        emit(
            "user.registered",
            actor,
            user_id=user.id,
            role="bidder",
            organisation_id=organisation.id,
        )
        emit("registration.approved", actor, registration_id=registration.id, user_id=user.id)
    return registration


def reject(actor: User, registration_id: int, reason: str) -> Registration:
    require_role(actor, Role.ADMIN)
    reason = inputs.text(reason, "reason", max_length=2000)
    with db.transaction() as session:
        registration = _pending(session, registration_id)
        registration.state, registration.decided_at = "rejected", clock.now()
        registration.decided_by_id, registration.reason = actor.id, reason
        emit("registration.rejected", actor, registration_id=registration.id)
    return registration


def _pending(session, registration_id: int) -> Registration:
    registration_id = inputs.identifier(registration_id, "registration_id")
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(f"no registration {registration_id}", code="registration_not_found")
    if registration.state != "pending":
        raise Conflict(
            f"the registration was {registration.state} already", code="registration_decided"
        )
    return registration
