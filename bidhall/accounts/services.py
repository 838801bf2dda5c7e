"""Account use cases. One function per action, one transaction each."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts import rules
from bidhall.accounts.models import (
    ORG_KIND_FOR_ROLE,
    ApiToken,
    LoginAttempt,
    Organisation,
    Role,
    User,
)
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from bidhall.events import emit

logger = logging.getLogger(__name__)

_settings = {
    "PASSWORD_MIN_LENGTH": 10,
    "LOGIN_FAILURES_BEFORE_DELAY": 5,
    "LOGIN_MAX_DELAY_SECONDS": 300,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_WINDOW_MINUTES": 15,
}
# the first key of the two-key advisory locks that serialize logins per source (PostgreSQL);
# the ledger's one-key lock lives in another key space
_LOGIN_LOCK_SPACE = 0x6C6F67  # "log"
_hasher = PasswordHasher()
# a hash to verify against when the user does not exist, so timing does not reveal usernames
_dummy_hash: str | None = None


def configure(config: dict) -> None:
    global _hasher, _dummy_hash
    for key in _settings:
        _settings[key] = config[key]
    # the testing profile uses cheap argon2 parameters; every other profile the library defaults
    _hasher = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        if config["BIDHALL_ENV"] == "testing"
        else PasswordHasher()
    )
    _dummy_hash = _hasher.hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    """The stored form of a password (argon2), for an account created later from it."""
    return _hasher.hash(password)


def create_organisation(
    actor: User | str | None, name: str, kind: str, credit_code: str | None = None
) -> Organisation:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("an organisation needs a name", code="missing_name")
    if kind not in set(_org_kinds()):
        raise InvalidInput(
            f"unknown organisation kind {kind!r}",
            code="invalid_kind",
            allowed=sorted(set(_org_kinds())),
        )
    with db.transaction() as session:
        if session.scalar(select(Organisation).where(Organisation.name == name)):
            raise Conflict(
                f"an organisation named {name!r} exists already", code="organisation_exists"
            )
        org = Organisation(
            name=name, kind=kind, credit_code=credit_code or None, created_at=clock.now()
        )
        session.add(org)
        session.flush()
        emit("organisation.registered", actor, organisation_id=org.id, kind=kind)
    return org


def create_user(
    actor: User | str | None,
    username: str,
    password: str,
    role: str | Role,
    organisation_id: int,
    display_name: str | None = None,
) -> User:
    rules.check_username(username)
    rules.check_password(password, _settings["PASSWORD_MIN_LENGTH"])
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}", code="invalid_role", allowed=[r.value for r in Role]
        ) from None
    with db.transaction() as session:
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise NotFound(f"no organisation {organisation_id}", code="organisation_not_found")
        if ORG_KIND_FOR_ROLE[role] != org.kind:
            raise InvalidInput(
                f"a {role.value} belongs to a {ORG_KIND_FOR_ROLE[role]} organisation, "
                f"not to {org.name} ({org.kind})",
                code="role_organisation_mismatch",
            )
        if session.scalar(select(User).where(User.username == username)):
            raise Conflict(f"the username {username!r} is taken", code="username_taken")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=_hasher.hash(password),
            role=role,
            organisation=org,
            created_at=clock.now(),
        )
        session.add(user)
        session.flush()
        emit("user.registered", actor, user_id=user.id, role=role.value, organisation_id=org.id)
    return user


def authenticate(username: str, password: str, remote_addr: str) -> User:
    """Check a password login. Throttled by where it comes from, never for the account as a
    whole (a rival who knows a user name must not lock its owner out before a deadline): one
    source trying one account waits longer after each failure, and a source failing too often
    against any accounts is refused for a while. Every attempt is recorded."""
    now = clock.now()
    window = timedelta(minutes=_settings["LOGIN_WINDOW_MINUTES"])
    since = now - window
    source = rules.login_source(remote_addr)
    username = username[:80]
    with db.transaction() as session:
        _serialize_logins_from(session, source)
        source_failures, oldest_source_failure = session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                LoginAttempt.remote_addr == source,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.at > since,
            )
        ).one()
        pair = (LoginAttempt.username == username, LoginAttempt.remote_addr == source)
        last_success = session.scalar(
            select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded.is_(True))
        )
        # a success ends the run of failures: the owner who typed wrongly starts afresh
        counted_from = max(since, clock.as_utc(last_success)) if last_success else since
        account_failures, latest_account_failure = session.execute(
            select(func.count(), func.max(LoginAttempt.at)).where(
                *pair, LoginAttempt.succeeded.is_(False), LoginAttempt.at > counted_from
            )
        ).one()
        rules.check_login_allowed(
            source_failures,
            oldest_source_failure and clock.as_utc(oldest_source_failure),
            account_failures,
            latest_account_failure and clock.as_utc(latest_account_failure),
            now,
            _login_limits(window),
        )
        user = session.scalar(select(User).where(User.username == username))
        ok = _password_matches(user.password_hash if user else None, password)
        ok = ok and user is not None and user.active
        session.add(LoginAttempt(username=username, remote_addr=source, at=now, succeeded=ok))
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
    if not ok:
        logger.info("failed login for a username from %s", source)
        raise Unauthenticated("wrong username or password", code="bad_credentials")
    return user


def issue_token(user_id: int, name: str) -> tuple[ApiToken, str]:
    """Make an API token. The secret is returned once and never stored."""
    secret = "bh_" + secrets.token_urlsafe(32)
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}", code="user_not_found")
        token = ApiToken(
            user_id=user.id,
            name=(name or "token")[:80],
            token_sha256=_token_digest(secret),
            created_at=clock.now(),
        )
        session.add(token)
        session.flush()
        emit("token.issued", user, token_id=token.id)
    return token, secret


def revoke_token(actor: User, token_id: int) -> ApiToken:
    with db.transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"no token {token_id}", code="token_not_found")
        if token.user_id != actor.id and actor.role != Role.ADMIN:
            raise Forbidden("only its owner or an administrator may revoke a token")
        if token.revoked_at is not None:
            raise Conflict(f"token {token_id} is revoked already", code="token_revoked")
        token.revoked_at = clock.now()
        emit("token.revoked", actor, token_id=token.id)
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """The user's own API tokens, newest first (their secrets are nowhere to be read)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def user_for_token(secret: str) -> User | None:
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_sha256 == _token_digest(secret), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None or not token.user.active:
        return None
    return token.user


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def list_organisations(kind: str | None = None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name)
    if kind:
        query = query.where(Organisation.kind == kind)
    return list(db.session.scalars(query))


def _login_limits(window: timedelta) -> rules.LoginLimits:
    return rules.LoginLimits(
        max_failures_per_source=_settings["LOGIN_MAX_FAILURES_PER_IP"],
        window=window,
        failures_before_delay=_settings["LOGIN_FAILURES_BEFORE_DELAY"],
        max_delay=timedelta(seconds=_settings["LOGIN_MAX_DELAY_SECONDS"]),
    )


def _serialize_logins_from(session: Session, source: str) -> None:
    """One login at a time per source, so a burst of parallel guesses cannot all pass the
    count before any is recorded. SQLite write units take the database's write lock already."""
    if db.dialect == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:source))"),
            {"space": _LOGIN_LOCK_SPACE, "source": source},
        )


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash or _hasher.hash("x"), password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _org_kinds() -> list[str]:
    return list(ORG_KIND_FOR_ROLE.values())
