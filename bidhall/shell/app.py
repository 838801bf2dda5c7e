"""The application factory: the only module that wires the kernel to trading, evaluation and
audit (DESIGN.md §2)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bidhall import config as config_module
from bidhall import events, sandbox, scheduler, security_headers, storage
from bidhall.accounts import services as account_services
from bidhall.crypto import services as crypto_services
from bidhall.db import db
from bidhall.extensions import babel, bootstrap, csrf, login_manager, socketio
from bidhall.inputs import SocketJSON
from bidhall.web import IdConverter, JSONProvider, check_request_text

ROOT = Path(__file__).resolve().parents[2]  # the repository: templates/, static/, translations/
logger = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = config_module.load(overrides)
    instance = Path(settings["BIDHALL_INSTANCE"])
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(
        "bidhall",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(instance.resolve()),
    )
    app.config.update(settings)
    # before any blueprint adds a rule: every <int:...> is bounded, every JSON body checked
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.config.update(
        TESTING=settings["BIDHALL_ENV"] == "testing",
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in _authenticate unless a bearer token is used
        WTF_CSRF_TIME_LIMIT=None,
        BOOTSTRAP_SERVE_LOCAL=True,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        SESSION_COOKIE_SECURE=settings["BIDHALL_ENV"] == "production",
    )
    # the training sandbox (docs/sandbox.md): its virtual clock, and a tick as often as its
    # deadlines need (a few real seconds)
    sandbox.install_clock(settings, instance)
    if settings["SANDBOX"]:
        app.config["TICK_SECONDS"] = sandbox.tick_seconds(
            settings["TICK_SECONDS"], settings["SANDBOX_CLOCK_FACTOR"]
        )
    config_module.install(app.config)

    db.configure(settings["DATABASE_URL"])
    storage.configure(storage.LocalStorage(instance / "files"))
    account_services.configure(app.config)
    crypto_services.configure(app.config)
    _wire_domains(training=settings["SANDBOX"])

    from bidhall.i18n import compile_catalogs, select_locale

    compile_catalogs()
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=lambda: settings["DEFAULT_TIMEZONE"]
    )
    bootstrap.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "core.login"
    login_manager.user_loader(lambda user_id: account_services.get_user(int(user_id)))
    # the extension object outlives an app (tests build many): drop the previous app's queue
    socketio.server_options.clear()
    socketio.init_app(
        app,
        message_queue=settings["REDIS_URL"],
        channel=settings["SOCKETIO_CHANNEL"],
        async_mode=settings["SOCKETIO_ASYNC_MODE"] or "threading",
        # None: only the page's own origin (Host), as a browser's same-origin rule; a list
        # names the platform's public origins when a proxy rewrites the Host
        cors_allowed_origins=settings["SOCKETIO_ALLOWED_ORIGINS"] or None,
        json=SocketJSON,
    )
    if settings["TRUSTED_PROXIES"]:
        # outermost, so that the Socket.IO origin check and every view see the client's
        # address, scheme and host as the proxies forwarded them
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from audit.supervision import sockets as supervision_sockets
    from evaluation.sessions import sockets as evaluation_sockets
    from trading.opening import sockets as opening_sockets
    from trading.tenders import sockets as trading_sockets

    trading_sockets.install()  # after init_app: namespaces bind to this app's server
    opening_sockets.install(settings["HALL_COALESCE_MS"])
    evaluation_sockets.install(settings["EVALUATION_COALESCE_MS"])
    supervision_sockets.install()

    from audit.alerts.api import blueprint as alerts_api
    from audit.alerts.views import blueprint as alert_pages
    from audit.playback.api import blueprint as playback_api
    from audit.playback.views import blueprint as playback_pages
    from audit.supervision.api import blueprint as supervision_api
    from audit.supervision.views import blueprint as supervision_pages
    from audit.trends.api import blueprint as trends_api
    from audit.trends.views import blueprint as trends_pages
    from bidhall.accounts.views import blueprint as core_blueprint
    from bidhall.crypto.views import blueprint as crypto_blueprint
    from bidhall.notifications.views import blueprint as messages_blueprint
    from bidhall.web import register_error_handlers
    from evaluation.documents.api import blueprint as evaluation_documents_api
    from evaluation.draws.api import blueprint as draws_api
    from evaluation.draws.views import blueprint as draw_pages
    from evaluation.experts.api import blueprint as experts_api
    from evaluation.presence.api import blueprint as presence_api
    from evaluation.sessions.api import blueprint as evaluation_api
    from evaluation.sessions.views import blueprint as evaluation_pages
    from evaluation.venues.api import blueprint as venues_api
    from evaluation.venues.views import blueprint as checkin_pages
    from trading.award.api import blueprint as award_api
    from trading.award.views import blueprint as award_pages
    from trading.bids.api import blueprint as bids_api
    from trading.bids.views import blueprint as bid_pages
    from trading.complaints.api import blueprint as complaints_api
    from trading.complaints.views import blueprint as complaint_pages
    from trading.credit.api import blueprint as credit_api
    from trading.credit.views import blueprint as credit_pages
    from trading.guarantees.api import blueprint as guarantees_api
    from trading.guarantees.views import pages as guarantee_pages
    from trading.opening.api import blueprint as opening_api
    from trading.opening.views import blueprint as opening_pages
    from trading.publication.api import blueprint as ocds_api
    from trading.statistics.api import blueprint as statistics_api
    from trading.statistics.views import blueprint as statistics_pages
    from trading.tenders.api import blueprint as trading_api
    from trading.tenders.views import blueprint as trading_pages

    app.register_blueprint(core_blueprint)
    app.register_blueprint(crypto_blueprint)
    app.register_blueprint(messages_blueprint)
    app.register_blueprint(trading_pages)
    app.register_blueprint(bid_pages)
    app.register_blueprint(opening_pages)
    app.register_blueprint(trading_api)
    app.register_blueprint(award_pages)
    app.register_blueprint(award_api)
    app.register_blueprint(complaint_pages)
    app.register_blueprint(complaints_api)
    app.register_blueprint(credit_pages)
    app.register_blueprint(credit_api)
    app.register_blueprint(statistics_pages)
    app.register_blueprint(statistics_api)
    app.register_blueprint(bids_api)
    app.register_blueprint(opening_api)
    app.register_blueprint(ocds_api)
    app.register_blueprint(guarantees_api)
    app.register_blueprint(guarantee_pages)
    app.register_blueprint(experts_api)
    app.register_blueprint(draws_api)
    app.register_blueprint(venues_api)
    app.register_blueprint(evaluation_api)
    app.register_blueprint(evaluation_documents_api)
    app.register_blueprint(presence_api)
    app.register_blueprint(evaluation_pages)
    app.register_blueprint(draw_pages)
    app.register_blueprint(checkin_pages)
    app.register_blueprint(alerts_api)
    app.register_blueprint(alert_pages)
    app.register_blueprint(playback_api)
    app.register_blueprint(playback_pages)
    app.register_blueprint(trends_api)
    app.register_blueprint(trends_pages)
    app.register_blueprint(supervision_api)
    app.register_blueprint(supervision_pages)
    register_error_handlers(app)
    app.before_request(check_request_text)
    security_headers.install(app)
    app.before_request(_authenticate)
    # one session per request (and per app context outside requests): nothing stale survives
    app.teardown_request(db.remove_session)
    app.teardown_appcontext(db.remove_session)
    _register_template_helpers(app)
    return app


def _wire_domains(training: bool = False) -> None:
    """Subscribe audit to every domain event (unconditionally) and register the tick's jobs.

    The training sandbox records no OCDS releases and sends no e-mail (docs/sandbox.md)."""
    import audit
    from audit.alerts import statistics as alert_statistics
    from audit.detectors import runner as audit_detectors
    from audit.ledger import checkpoints as audit_checkpoints
    from bidhall.accounts import notify as _account_notifiers  # noqa: F401
    from bidhall.notifications import mail as notification_mail
    from bidhall.notifications import services as notifications
    from evaluation.draws import jobs as draw_jobs
    from evaluation.draws import notify as _draw_notifiers  # noqa: F401
    from evaluation.experts import queries as expert_queries
    from evaluation.presence import jobs as presence_jobs
    from evaluation.sessions import jobs as session_jobs
    from evaluation.sessions import statistics as evaluation_statistics
    from evaluation.venues import statistics as fee_statistics
    from trading import notify as _trading_notifiers  # noqa: F401
    from trading.award import jobs as award_jobs
    from trading.complaints import jobs as complaint_jobs
    from trading.credit import subjects as credit_subjects
    from trading.guarantees import jobs as guarantee_jobs
    from trading.opening import jobs as opening
    from trading.publication import services as publication
    from trading.statistics import providers as statistics
    from trading.tenders import jobs as trading_services

    events.reset()
    scheduler.reset()
    audit.install()
    guarantee_jobs.install()  # after audit: its events land in the ledger after the cause's
    # after audit: a release is stored with its change's ledger seq, known only once the
    # ledger's before-commit flush (registered by audit's subscriber) has run
    if not training:
        publication.install()
    # the message centre: the domains' notifiers (registered on import), e-mail on the tick
    notifications.install()
    # the statistics' tables trading may not compute itself (it imports neither evaluation nor
    # audit): the public share of remote evaluation; the centre's alerts and experts' fees
    statistics.reset()
    statistics.register(
        *evaluation_statistics.TABLES, *alert_statistics.TABLES, *fee_statistics.TABLES
    )
    # credit decisions on experts: evaluation resolves them (trading may not import it)
    credit_subjects.reset()
    credit_subjects.register("expert", expert_queries.credit_subject)
    scheduler.register("trading", trading_services.tick)
    scheduler.register("opening", opening.tick)  # after trading: it closes the tenders first
    scheduler.register("guarantees", guarantee_jobs.tick)
    scheduler.register("evaluation", draw_jobs.tick)
    scheduler.register("evaluation-sessions", session_jobs.tick)
    scheduler.register("award", award_jobs.tick)  # after the sessions: they seal reports
    scheduler.register("complaints", complaint_jobs.tick)
    scheduler.register("presence", presence_jobs.tick)
    if not training:
        scheduler.register("messages-mail", notification_mail.tick)
    # the detectors read what every job wrote; the periodic ledger checkpoint runs last
    scheduler.register("audit-detectors", audit_detectors.tick)
    # the periodic ledger checkpoint runs last, sealing what the other jobs wrote
    scheduler.register("audit", audit_checkpoints.tick)


def _authenticate() -> None:
    """A bearer token authenticates API scripts; everything cookie-based needs CSRF."""
    from flask import current_app

    from bidhall.inputs import check_text

    g.api_user = None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "device_authenticated", False):
        # a venue device's bearer secret, checked by the view itself (no cookie: no CSRF); a
        # user's token is refused there (evaluation/presence/api.py)
        return
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        secret = check_text(header.removeprefix("Bearer ").strip(), "Authorization")
        user = account_services.user_for_token(secret)
        if user is None:
            from bidhall.errors import Unauthenticated

            raise Unauthenticated("the API token is unknown or revoked", code="invalid_token")
        g.api_user = user
        return
    # POST /api/tokens involves no cookie: the password in the body is the credential
    if (
        request.method in ("POST", "PUT", "PATCH", "DELETE")
        and request.endpoint != "core.api_create_token"
    ):
        csrf.protect()


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from bidhall import clock
    from bidhall.web import actor

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {
            "actor": actor(),
            "now": clock.now(),
            "local": clock.local,
            "get_locale": get_locale,
            "languages": app.config["LANGUAGES"],
            "zone_name": _zone_name,
            "sandbox": sandbox.banner(),
            "operator": {
                key: app.config.get(f"OPERATOR_{key.upper()}") or ""
                for key in ("name", "address", "phone", "email", "icp")
            },
        }

    def _zone_name(zone: str) -> str:
        """How a page names a time zone: China's as people say it (北京时间), others by id."""
        from flask_babel import gettext

        return gettext("Beijing time") if zone in ("Asia/Shanghai", "Asia/Chongqing") else zone


def import_models() -> None:
    """Load every domain's models so Base.metadata knows all tables (Alembic, tests)."""
    import audit.alerts.models  # noqa: F401
    import audit.ledger.models  # noqa: F401
    import bidhall.accounts.models  # noqa: F401 (users, organisations, tokens, registrations)
    import bidhall.crypto.models  # noqa: F401
    import bidhall.notifications.models  # noqa: F401
    import evaluation.draws.models  # noqa: F401
    import evaluation.experts.models  # noqa: F401
    import evaluation.presence.models  # noqa: F401
    import evaluation.sessions.models  # noqa: F401
    import evaluation.venues.models  # noqa: F401
    import trading.award.models  # noqa: F401
    import trading.bids.models  # noqa: F401
    import trading.complaints.models  # noqa: F401
    import trading.credit.models  # noqa: F401
    import trading.guarantees.models  # noqa: F401
    import trading.opening.models  # noqa: F401
    import trading.publication.models  # noqa: F401
    import trading.tenders.models  # noqa: F401
