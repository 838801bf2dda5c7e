"""Every setting of the platform, with embedded-mode defaults.

Environment variables override the defaults; ``create_app(overrides)`` overrides both (tests).
Thresholds and legal limits are named settings here, never literals in the code that uses them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

INSECURE_SECRET = "bidhall-development-secret-change-me"

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # run-time
    "BIDHALL_ENV": "development",  # development | testing | production
    "BIDHALL_INSTANCE": str(ROOT / "instance"),
    "SECRET_KEY": INSECURE_SECRET,
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "REDIS_URL": None,  # set: Socket.IO message queue across worker processes
    # the Redis channel of this deployment's queue: two deployments (or test runs) sharing one
    # Redis must not hear each other's rooms (room names are ids, which repeat across databases)
    "SOCKETIO_CHANNEL": "bidhall",
    # the opening hall's fan-out: a message is sent at once when its room was quiet for this
    # long; a burst inside the window goes out as one `hall.batch` frame (0: never batch)
    "HALL_COALESCE_MS": 50,
    # the same for the evaluation sessions' rooms (`evaluation.batch`)
    "EVALUATION_COALESCE_MS": 50,
    # the evaluation session (evaluation.sessions): planned duration when none is given (at
    # least the review's minimum for its size), the extension granted when more than a third of
    # the members find the time insufficient (Regs Art 48), and the abnormally low price: below
    # this share of the mean of the other bids of its lot
    "EVALUATION_PLANNED_MINUTES": 120,
    "EVALUATION_EXTENSION_MINUTES": 60,
    # minutes the members have to sign the finalized report; after them a member that neither
    # signed nor gave reasons is recorded as agreeing (Regs Art 53)
    "EVALUATION_SIGNING_MINUTES": 60,
    # presence telemetry: a workstation with no heartbeat for this long is posted offline, and
    # the clock skew allowed for a device's reported times
    "PRESENCE_OFFLINE_SECONDS": 60,
    "PRESENCE_CLOCK_SKEW_SECONDS": 30,
    "EVALUATION_ABNORMALLY_LOW_RATIO": "0.80",
    # the audit layer's detectors (audit/detectors/, DOMAIN.md §5): the fixed thresholds, which
    # are floors; statistical screens also use fences from the platform's own data once it has
    # AUDIT_FENCE_MIN_TENDERS comparable tenders (same category and rule set)
    "AUDIT_START_LATE_YELLOW_MINUTES": 30,
    "AUDIT_START_LATE_RED_MINUTES": 60,
    "AUDIT_REVIEW_BASE_MINUTES": 30,  # the review's minimum: this plus per bid
    "AUDIT_REVIEW_MINUTES_PER_BID": 10,
    "AUDIT_REVIEW_RED_SHARE": "0.5",  # red below this share of the minimum
    "AUDIT_EXPERT_TOO_FAST_SHARE": "0.25",  # of the committee's median scoring time
    "AUDIT_VOTE_REPEAT_LIMIT": 2,  # the same matter voted more often than this
    "AUDIT_LONE_DISSENT_VOTES": 3,
    "AUDIT_SCORE_OUTLIER_RED_SHARE": "0.35",  # of the item's maximum (yellow: the session's 20%)
    "AUDIT_FAVORITISM_TIMES": 2,  # a member's own first against the committee's ranking
    "AUDIT_OFFLINE_MINUTES": 5,  # a workstation offline this long is presence.lost
    "AUDIT_PRICE_CV_FLOOR": "0.01",  # coefficient of variation of a tender's prices
    # prices in arithmetic progression: every gap within this share of the mean gap
    "AUDIT_PRICE_PROGRESSION_TOLERANCE": "0.01",
    "AUDIT_PRICE_CEILING_SHARE": "0.01",  # all prices within this share below the ceiling
    # Imhof's relative and normalised distances, both above it (docs/audit.md: why not 1)
    "AUDIT_COVER_DISTANCE": "2.5",
    "AUDIT_FENCE_MIN_TENDERS": 30,
    "AUDIT_FENCE_RECENT_TENDERS": 1000,  # the fences use the most recent comparable tenders
    "AUDIT_REJECTIONS_MIN": 2,  # non-winning bids rejected in one tender
    "AUDIT_ROTATION_MIN_TENDERS": 4,  # a tenderer's tenders looked at for rotation
    "AUDIT_LATE_CHANGE_DAYS": 15,  # Regs Art 21: an amendment this close moves the deadline
    "AUDIT_AWARD_BELOW_CEILING_SHARE": "0.30",
    # a backlog of at least AUDIT_SHARDED_FROM ledger entries past the detectors' cursor (a
    # re-screen, a long outage) is screened by AUDIT_WORKERS processes, each a share of the
    # tenders (audit.detectors.shards); 1: always in the reading process
    "AUDIT_WORKERS": 2,
    "AUDIT_SHARDED_FROM": 100_000,
    # origins allowed to open a Socket.IO connection, comma-separated in the environment
    # (e.g. "https://ggzy.example.gov.cn"); empty: the origin of the Host the page was served from
    "SOCKETIO_ALLOWED_ORIGINS": [],
    # how many reverse proxies (nginx, a load balancer) stand in front of the app and set
    # X-Forwarded-For/-Proto/-Host; 0: none, the peer's address is the client's. Login
    # throttling counts by client address, so behind a proxy this must be set
    "TRUSTED_PROXIES": 0,
    "SOCKETIO_ASYNC_MODE": None,  # None lets Flask-SocketIO choose (gevent when installed)
    "SCHEDULER_ENABLED": True,
    "TICK_SECONDS": 30,
    # the training sandbox (docs/sandbox.md; `bidhall sandbox init/serve` set it): a separate
    # instance of the platform whose clock runs SANDBOX_CLOCK_FACTOR times as fast (1440: a day
    # a minute, a 20-day bid period in 20 minutes), which publishes, exports, counts and mails
    # nothing. Never set it on the live platform's instance
    "SANDBOX": False,
    "SANDBOX_CLOCK_FACTOR": 1440,
    "DEFAULT_TIMEZONE": "Asia/Shanghai",
    "BABEL_DEFAULT_LOCALE": "zh",
    "LANGUAGES": ["zh", "en"],
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # sent on every response (bidhall/security_headers.py); no page has an inline script or style.
    # A centre extends it here or by the environment, e.g. img-src for a map tile server
    "CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    # accounts
    # logins are throttled by source (an IPv4 address or IPv6 /64), never for a whole account:
    # after LOGIN_FAILURES_BEFORE_DELAY failures of one account from one source each next try
    # from there waits 2, 4, 8... seconds (at most LOGIN_MAX_DELAY_SECONDS); a source with
    # LOGIN_MAX_FAILURES_PER_IP failures against any accounts inside the window is refused
    "LOGIN_FAILURES_BEFORE_DELAY": 5,
    "LOGIN_MAX_DELAY_SECONDS": 300,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    "PASSWORD_MIN_LENGTH": 10,
    # who opens bidders' accounts: "self_service" (a company registers on /register and an
    # administrator approves it) or "admin" (administrators only, /admin/organisations, users)
    "REGISTRATION": "self_service",
    # at most REGISTRATION_MAX_PER_SOURCE registrations from one network source (an address, an
    # IPv6 /64) within REGISTRATION_WINDOW_MINUTES: the public form cannot be used to flood the
    # administrators' queue
    "REGISTRATION_MAX_PER_SOURCE": 5,
    "REGISTRATION_WINDOW_MINUTES": 60,
    # tenders: a centre may tighten the legal defaults of trading.tenders.rules.RULE_SETS here,
    # e.g. {"construction": {"min_bid_days": 25}}
    "RULE_SET_OVERRIDES": {},
    # the administrative divisions (GB/T 2260 codes) a tender's project may lie in, with their
    # names, e.g. {"330100": "杭州市"}; in the environment as JSON. Empty: tenders name no region
    # and the public portal offers no region filter
    "REGIONS": {},
    # the public portal: tenders and notices per page, and who runs the site (its footer; an
    # empty one is left out): operator, address, telephone, e-mail and its ICP filing number
    "PORTAL_PAGE_SIZE": 20,
    # the message centre's e-mail (bidhall/notifications/mail.py): unset SMTP_HOST, in-site
    # messages only. PUBLIC_URL is the site's address as users reach it, for the links in them
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_SSL": False,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "MAIL_FROM": "",
    "PUBLIC_URL": "",
    # open data (docs/open-data.md): the OCDS ocid prefix this centre registered with the Open
    # Contracting Partnership ("ocds-" + 6 characters + "-"); the default is a placeholder
    "OCDS_PREFIX": "ocds-xxxxxx-",
    "OPERATOR_NAME": "",
    "OPERATOR_ADDRESS": "",
    "OPERATOR_PHONE": "",
    "OPERATOR_EMAIL": "",
    "OPERATOR_ICP": "",
    # the centre's account for cash bid deposits (投标保证金专户), shown on the bid page beside
    # the e-guarantee issuers; an empty one is left out (the page then says to ask the centre)
    "DEPOSIT_ACCOUNT_NAME": "",
    "DEPOSIT_ACCOUNT_BANK": "",
    "DEPOSIT_ACCOUNT_NUMBER": "",
    # the yearly rate of the bank interest a cash deposit earns until it is refunded (Regs Art
    # 57: refunded with the bank's deposit interest of the same period): the People's Bank's
    # demand-deposit benchmark, 0.35%, counted by the day on a 360-day year as banks do
    "DEPOSIT_INTEREST_RATE": "0.0035",
    # the state calendar for the working-day limits (complaints): public holidays, and the
    # weekend days made working days (调休), as ISO dates
    "PUBLIC_HOLIDAYS": [],
    "EXTRA_WORKDAYS": [],
    # a tender's archive (docs/archive.md) records that it is kept this many years after its end
    "ARCHIVE_RETENTION_YEARS": 15,
    # audit: how often the tick signs a checkpoint of the ledger head when it has grown
    "CHECKPOINT_MINUTES": 60,
    # evaluation committees (DOMAIN.md §4): an expert serves one tenderer at most
    # EXPERT_MAX_SERVICES times in EXPERT_SERVICE_MONTHS months; a drawn expert answers its
    # invitation within EXPERT_ANSWER_MINUTES or its seat goes to the next reserve
    "COMMITTEE_MIN_MEMBERS": 5,
    "GP_LARGE_BUDGET": 10_000_000,  # CNY: gov_procurement budgets from here need...
    "GP_LARGE_MIN_MEMBERS": 7,  # ...at least this many members (GP-87)
    "EXPERT_MAX_SERVICES": 3,
    "EXPERT_SERVICE_MONTHS": 12,
    "EXPERT_ANSWER_MINUTES": 120,
    # venues and expert fees (docs/venues-and-fees.md): check-in opens EXPERT_CHECKIN_OPENS_MINUTES
    # before the evaluation; per local day, at most EXPERT_FEE_HALF_DAY_HOURS is a half day;
    # EXPERT_FEE_PER_BID for each bid beyond EXPERT_FEE_BIDS_INCLUDED; travel (CNY, once per draw)
    # by "<expert region>><venue region>", "<expert region>" or "default"
    "EXPERT_CHECKIN_OPENS_MINUTES": 120,
    "EXPERT_FEE_HALF_DAY": 400,
    "EXPERT_FEE_FULL_DAY": 800,
    "EXPERT_FEE_HALF_DAY_HOURS": 4,
    "EXPERT_FEE_PER_BID": 50,
    "EXPERT_FEE_BIDS_INCLUDED": 5,
    "EXPERT_FEE_TRAVEL": {"default": 0},
    # certificate authority (bidhall.crypto): files in <instance>/ca
    "BIDHALL_CA_PASSPHRASE": None,  # set: the CA's private keys are encrypted with it
    "CA_PASSPHRASE_MIN_LENGTH": 12,  # production refuses to start with a shorter (or no) one
    "CA_NAME": "bidhall",  # O of the CA certificates, start of their CN
    "CERT_VALIDITY_DAYS": 730,  # holders' signing and encryption certificates
    "CRL_NEXT_UPDATE_HOURS": 24,
}

_ENV_TYPES: dict[str, type] = {
    "SCHEDULER_ENABLED": bool,
    "HALL_COALESCE_MS": int,
    "EVALUATION_COALESCE_MS": int,
    "EVALUATION_PLANNED_MINUTES": int,
    "EVALUATION_EXTENSION_MINUTES": int,
    "EVALUATION_SIGNING_MINUTES": int,
    "PRESENCE_OFFLINE_SECONDS": int,
    "PRESENCE_CLOCK_SKEW_SECONDS": int,
    "AUDIT_START_LATE_YELLOW_MINUTES": int,
    "AUDIT_START_LATE_RED_MINUTES": int,
    "AUDIT_REVIEW_BASE_MINUTES": int,
    "AUDIT_REVIEW_MINUTES_PER_BID": int,
    "AUDIT_VOTE_REPEAT_LIMIT": int,
    "AUDIT_LONE_DISSENT_VOTES": int,
    "AUDIT_FAVORITISM_TIMES": int,
    "AUDIT_OFFLINE_MINUTES": int,
    "AUDIT_FENCE_MIN_TENDERS": int,
    "AUDIT_FENCE_RECENT_TENDERS": int,
    "AUDIT_REJECTIONS_MIN": int,
    "AUDIT_ROTATION_MIN_TENDERS": int,
    "AUDIT_LATE_CHANGE_DAYS": int,
    "AUDIT_WORKERS": int,
    "AUDIT_SHARDED_FROM": int,
    "TRUSTED_PROXIES": int,
    "TICK_SECONDS": int,
    "SANDBOX": bool,
    "SANDBOX_CLOCK_FACTOR": int,
    "PORTAL_PAGE_SIZE": int,
    "ARCHIVE_RETENTION_YEARS": int,
    "SMTP_PORT": int,
    "SMTP_STARTTLS": bool,
    "SMTP_SSL": bool,
    "LOGIN_FAILURES_BEFORE_DELAY": int,
    "LOGIN_MAX_DELAY_SECONDS": int,
    "LOGIN_MAX_FAILURES_PER_IP": int,
    "LOGIN_WINDOW_MINUTES": int,
    "REGISTRATION_MAX_PER_SOURCE": int,
    "REGISTRATION_WINDOW_MINUTES": int,
    "PASSWORD_MIN_LENGTH": int,
    "MAX_CONTENT_LENGTH": int,
    "CERT_VALIDITY_DAYS": int,
    "CRL_NEXT_UPDATE_HOURS": int,
    "CA_PASSPHRASE_MIN_LENGTH": int,
    "COMMITTEE_MIN_MEMBERS": int,
    "GP_LARGE_BUDGET": int,
    "GP_LARGE_MIN_MEMBERS": int,
    "EXPERT_MAX_SERVICES": int,
    "EXPERT_SERVICE_MONTHS": int,
    "EXPERT_ANSWER_MINUTES": int,
    "EXPERT_CHECKIN_OPENS_MINUTES": int,
    "EXPERT_FEE_HALF_DAY": int,
    "EXPERT_FEE_FULL_DAY": int,
    "EXPERT_FEE_HALF_DAY_HOURS": int,
    "EXPERT_FEE_PER_BID": int,
    "EXPERT_FEE_BIDS_INCLUDED": int,
}


class ConfigError(RuntimeError):
    pass


def load(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict:
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if key in environ and not isinstance(default, list | dict):
            config[key] = _coerce(key, environ[key])
    if environ.get("SOCKETIO_ALLOWED_ORIGINS"):
        config["SOCKETIO_ALLOWED_ORIGINS"] = [
            origin.strip().rstrip("/")
            for origin in environ["SOCKETIO_ALLOWED_ORIGINS"].split(",")
            if origin.strip()
        ]
    if environ.get("BIDHALL_REGIONS"):
        config["REGIONS"] = _regions(environ["BIDHALL_REGIONS"])
    for key in ("PUBLIC_HOLIDAYS", "EXTRA_WORKDAYS"):
        if environ.get(key):
            config[key] = _dates(key, environ[key])
    config.update(overrides or {})
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = "sqlite:///" + str(Path(config["BIDHALL_INSTANCE"]) / "bidhall.db")
    check(config)
    return config


def check(config: Mapping[str, Any]) -> None:
    env = config["BIDHALL_ENV"]
    if env not in ("development", "testing", "production"):
        raise ConfigError(f"BIDHALL_ENV must be development, testing or production, not {env!r}")
    factor = config["SANDBOX_CLOCK_FACTOR"]
    if not isinstance(factor, int) or isinstance(factor, bool) or not 1 <= factor <= 100_000:
        raise ConfigError(
            f"SANDBOX_CLOCK_FACTOR must be a whole number from 1 to 100000, not {factor!r}"
        )
    if env == "production":
        secret = config["SECRET_KEY"]
        if not secret or secret == INSECURE_SECRET or len(secret) < 32:
            raise ConfigError(
                "refusing to start in production with the default or a short SECRET_KEY: "
                "set SECRET_KEY to at least 32 random characters"
            )
        passphrase = config["BIDHALL_CA_PASSPHRASE"] or ""
        if len(passphrase) < config["CA_PASSPHRASE_MIN_LENGTH"]:
            raise ConfigError(
                "refusing to start in production with no or a short BIDHALL_CA_PASSPHRASE: "
                "the CA's private keys must be encrypted; set it to at least "
                f"{config['CA_PASSPHRASE_MIN_LENGTH']} characters"
            )


def _regions(raw: str) -> dict[str, str]:
    try:
        regions = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"BIDHALL_REGIONS must be a JSON object, got {raw!r}") from exc
    if not isinstance(regions, dict) or not all(
        isinstance(code, str) and isinstance(name, str) and name.strip()
        for code, name in regions.items()
    ):
        raise ConfigError('BIDHALL_REGIONS must map codes to names, e.g. {"330100": "杭州市"}')
    return {code.strip(): name.strip() for code, name in regions.items()}


def _dates(key: str, raw: str) -> list[str]:
    """A comma-separated list of ISO dates (the state calendar's holidays or extra workdays)."""
    days = [part.strip() for part in raw.split(",") if part.strip()]
    for day in days:
        try:
            date.fromisoformat(day)
        except ValueError as exc:
            raise ConfigError(f"{key} takes ISO dates separated by commas, got {day!r}") from exc
    return days


def _coerce(key: str, raw: str) -> Any:
    kind = _ENV_TYPES.get(key, str)
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        return kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{key} must be a {kind.__name__}, got {raw!r}") from exc


_current: dict[str, Any] = dict(DEFAULTS)


def install(config: Mapping[str, Any]) -> None:
    """Make ``config`` the running app's settings, for code that runs outside a request."""
    _current.clear()
    _current.update(config)


def current() -> Mapping[str, Any]:
    return _current


def setting(name: str, default: Any = None) -> Any:
    """One setting of the installed configuration, or ``default`` when it has none."""
    return _current.get(name, default)
