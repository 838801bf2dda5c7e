"""Who may call what: one table, every route of the app, every role.

Each row names the actors allowed through authorization. Every other actor must be refused
(HTTP 401/403, or for a page a redirect to sign in). Allowed actors may still meet a validation
or state error (we send empty bodies): what matters here is that authorization let them through.
A route missing from the table fails the test, so a new route cannot ship without its row.
"""

from __future__ import annotations

ACTORS = (
    "anonymous",
    "tenderer",
    "agency",
    "other_agency",
    "bidder",
    "expert",
    "supervisor",
    "issuer",
    "admin",
)
ALL = set(ACTORS)
SIGNED_IN = ALL - {"anonymous"}
OWNERS = {"tenderer", "agency"}  # the tender's own tenderer and the agency running it
MANAGER_ROLES = OWNERS | {"other_agency"}

# (method, path, allowed). T = a published tender, D = its document, O = an objection to it,
# S = the serial of the bidder's signing certificate, B = the bidder's sealed bid, U = an upload
# of the bidder's under way, G = the bidder's organisation, M = a message of the bidder's.
# None: an authentication endpoint, where the password is the credential and no role applies
# (tests/accounts/test_accounts.py covers it).
TABLE = [
    ("GET", "/", ALL),
    ("GET", "/tenders/T", ALL),
    ("POST", "/tenders/T/questions", {"bidder"}),
    ("POST", "/tenders/T/objections", {"bidder"}),
    ("GET", "/tenders/T/bid", {"bidder"}),
    # the opening hall page: the tender's bidders, managers and supervisors (the public only once
    # the reading out starts; the cast's tender is still open)
    ("GET", "/tenders/T/opening", OWNERS | {"bidder", "supervisor"}),
    ("GET", "/tenders/T/bids/B/receipt.json", {"bidder"}),
    ("POST", "/tenders/T/bids/B/withdraw", {"bidder"}),
    ("GET", "/login", ALL),
    ("POST", "/login", None),
    ("POST", "/logout", ALL),
    ("POST", "/lang/en", ALL),
    ("GET", "/admin/organisations", {"admin"}),
    ("POST", "/admin/organisations", {"admin"}),
    ("GET", "/admin/users", {"admin"}),
    # self-service registration (anyone may register a company; R = a pending registration)
    ("GET", "/register", ALL),
    ("POST", "/register", ALL),
    ("GET", "/admin/registrations", {"admin"}),
    ("POST", "/admin/registrations/R/approve", {"admin"}),
    ("POST", "/admin/registrations/R/reject", {"admin"}),
    ("POST", "/admin/users", {"admin"}),
    ("GET", "/agency/tenders", MANAGER_ROLES),
    ("GET", "/agency/tenders/new", MANAGER_ROLES),
    ("POST", "/agency/tenders/new", MANAGER_ROLES),
    ("GET", "/agency/tenders/T", OWNERS),
    ("GET", "/agency/tenders/T/edit", OWNERS),
    ("POST", "/agency/tenders/T/edit", OWNERS),
    ("POST", "/agency/tenders/T/documents", OWNERS),
    ("POST", "/agency/tenders/T/filing", OWNERS),
    ("POST", "/agency/tenders/T/publish", OWNERS),
    ("POST", "/agency/tenders/T/terminate", OWNERS),
    # nothing of the cast's open tender failed: a conflict (409), not a refusal
    ("POST", "/agency/tenders/T/retender", OWNERS),
    ("POST", "/agency/tenders/T/notices", OWNERS),
    ("POST", "/agency/tenders/T/objections/O/answer", OWNERS),
    ("GET", "/supervision/filings", {"supervisor"}),
    ("GET", "/supervision/filings/T", {"supervisor"}),
    ("POST", "/supervision/filings/T", {"supervisor"}),
    ("GET", "/api/me", SIGNED_IN),
    # a user's own API tokens; Q is a spare token of the bidder's, which its owner and an
    # administrator may revoke (the second revocation is a conflict, not a refusal)
    ("GET", "/account/tokens", SIGNED_IN),
    ("POST", "/account/tokens", SIGNED_IN),
    ("POST", "/account/tokens/Q/revoke", {"bidder", "admin"}),
    ("GET", "/account/keys", SIGNED_IN),
    ("POST", "/account/keys/S/revoke", {"bidder", "admin"}),
    ("GET", "/api/tokens", SIGNED_IN),
    ("POST", "/api/tokens/Q/revoke", {"bidder", "admin"}),
    ("POST", "/api/tokens", None),
    # the message centre: everyone's own; M is a message of the bidder's (its bid's receipt)
    ("GET", "/messages", SIGNED_IN),
    ("POST", "/messages/M/open", {"bidder"}),
    ("POST", "/messages/read", SIGNED_IN),
    ("POST", "/messages/email", SIGNED_IN),
    ("GET", "/api/messages", SIGNED_IN),
    ("POST", "/api/messages/M/read", {"bidder"}),
    ("GET", "/api/organisations", {"admin"}),
    ("POST", "/api/organisations", {"admin"}),
    ("GET", "/api/users", {"admin"}),
    ("POST", "/api/users", {"admin"}),
    ("GET", "/api/tenders", ALL),
    ("GET", "/api/tenders/T", ALL),
    ("POST", "/api/tenders", MANAGER_ROLES),
    ("PUT", "/api/tenders/T", OWNERS),
    ("GET", "/api/my/tenders", MANAGER_ROLES),
    ("POST", "/api/tenders/T/documents", OWNERS),
    ("GET", "/api/tenders/T/documents/D", OWNERS | {"bidder", "supervisor"}),
    ("POST", "/api/tenders/T/filing", OWNERS),
    ("GET", "/api/filings", {"supervisor"}),
    ("POST", "/api/tenders/T/filing/decision", {"supervisor"}),
    ("POST", "/api/tenders/T/publish", OWNERS),
    ("POST", "/api/tenders/T/terminate", OWNERS),
    ("POST", "/api/tenders/T/notices", OWNERS),
    ("GET", "/api/tenders/T/questions", OWNERS | {"bidder"}),
    ("POST", "/api/tenders/T/questions", {"bidder"}),
    ("GET", "/api/tenders/T/objections", OWNERS | {"bidder", "supervisor"}),
    ("POST", "/api/tenders/T/objections", {"bidder"}),
    ("POST", "/api/objections/O/answer", OWNERS),
    ("GET", "/ca/root.pem", ALL),
    ("GET", "/ca/issuing.pem", ALL),
    ("GET", "/ca/crl.pem", ALL),
    ("GET", "/api/certificates", SIGNED_IN),
    ("POST", "/api/certificates", SIGNED_IN),
    ("POST", "/api/certificates/S/revoke", {"bidder", "admin"}),
    ("GET", "/api/tenders/T/sealing", ALL),
    ("POST", "/api/tenders/T/uploads", {"bidder"}),
    ("GET", "/api/uploads/U", {"bidder"}),
    ("PATCH", "/api/uploads/U", {"bidder"}),
    ("POST", "/api/uploads/U/complete", {"bidder"}),
    ("GET", "/api/tenders/T/bids/mine", {"bidder"}),
    ("GET", "/api/bids/B/receipt", {"bidder"}),
    ("POST", "/api/bids/B/withdraw", {"bidder"}),
    # before the opening nobody hands a key in or reads a plaintext out (the cast's tender is
    # open): every actor is refused, the bidder itself included
    # the opening hall (before the deadline): its bidders, managers and supervisors are in it;
    # K = a host's command (say); keys and envelopes are refused to everyone before the opening;
    # the record is public once published and nobody's before (tests/trading/opening/test_api.py)
    ("GET", "/api/tenders/T/opening", OWNERS | {"bidder", "supervisor"}),
    ("GET", "/api/tenders/T/opening/messages", OWNERS | {"bidder", "supervisor"}),
    ("GET", "/api/tenders/T/opening/envelopes", set()),
    ("POST", "/api/tenders/T/opening/K", OWNERS),
    ("GET", "/api/tenders/T/opening/record", set()),
    ("GET", "/api/bids/B/summary", set()),
    ("GET", "/api/tenders/T/submissions", OWNERS | {"supervisor"}),
    # bid security: I = the issuer's registry entry, E = its guarantee for the bidder's bid,
    # C = the bidder's cash deposit
    ("GET", "/api/issuers", ALL),
    ("POST", "/api/issuers", {"admin"}),
    ("POST", "/api/issuers/I/status", {"admin"}),
    ("PUT", "/api/organisations/G/basic-account", {"admin"}),
    ("POST", "/api/guarantees", {"issuer"}),
    ("GET", "/api/guarantees", {"issuer", "supervisor", "admin"}),
    # a guarantee names its bidder: the tender's managers and the supervisors see it (and the
    # managers claim on it) only from the reading out (Law Art 22; the cast's tender is open)
    ("GET", "/api/guarantees/E", {"issuer", "bidder", "admin"}),
    ("POST", "/api/guarantees/E/claims", set()),
    ("POST", "/api/guarantees/E/release", {"admin"}),
    ("GET", "/api/guarantees/E/notices", {"issuer", "bidder", "admin"}),
    ("GET", "/api/tenders/T/guarantee", {"bidder"}),
    ("GET", "/api/tenders/T/guarantees/summary", OWNERS | {"supervisor"}),
    ("POST", "/api/deposits", {"admin"}),
    ("GET", "/api/deposits", {"admin", "supervisor"}),
    ("POST", "/api/deposits/C/refund", {"admin"}),
    # keeping a deposit needs the bidders named, like a claim (the cast's tender is still open)
    ("POST", "/api/deposits/C/forfeit", set()),
    # the finance officer's desk: what is due back, refunds and releases recorded from it
    ("GET", "/api/finance/due", {"admin"}),
    ("GET", "/finance", {"admin"}),
    ("POST", "/finance/deposits/C/refund", {"admin"}),
    ("POST", "/finance/guarantees/E/release", {"admin"}),
    # the managers' claim and keep from the award page: from the reading out only
    ("POST", "/agency/guarantees/E/claim", set()),
    ("POST", "/agency/deposits/C/forfeit", set()),
    ("GET", "/issuer/guarantees", {"issuer"}),
    ("POST", "/issuer/guarantees", {"issuer"}),
    # expert draws: X = the tender's draw, in which the cast's expert is an invited member; the
    # agency's view is counts only, the names' confidentiality is tested in tests/evaluation
    ("POST", "/api/experts/import", {"admin"}),
    ("POST", "/api/tenders/T/draws", OWNERS),
    ("GET", "/api/draws/X", OWNERS | {"supervisor", "expert"}),
    ("POST", "/api/draws/X/answer", {"expert"}),
    ("POST", "/api/draws/X/publish", OWNERS | {"supervisor"}),
    # the verification file (with the seed) exists only once the result is published and the
    # tender's opening is read out (its exclusions would tell who holds the documents)
    ("GET", "/api/draws/X/verification", set()),
    # the signed commitment (hashes only) is public from the commit on
    ("GET", "/api/draws/X/commitment", ALL),
    ("GET", "/api/my/invitations", {"expert"}),
    # venues, the recusal declaration, check-in and fees (the cast's draw has no venues: the
    # supervisor's roster is empty and a check-in is refused as a state error, not by role;
    # the cast's expert is invited, not seated: its declaration is a state error too)
    ("GET", "/api/venues", SIGNED_IN),
    ("POST", "/api/venues", {"admin"}),
    ("GET", "/api/draws/X/declaration", {"expert"}),
    ("POST", "/api/draws/X/declaration", {"expert"}),
    ("GET", "/api/draws/X/roster", {"supervisor"}),
    ("POST", "/api/draws/X/checkins", {"supervisor"}),
    ("POST", "/api/draws/X/checkouts", {"supervisor"}),
    ("GET", "/api/draws/X/fees", OWNERS | {"supervisor"}),
    ("GET", "/api/my/fees", {"expert"}),
    ("GET", "/checkin", {"supervisor"}),
    ("GET", "/checkin/draws/X", {"supervisor"}),
    ("POST", "/checkin/draws/X/arrive", {"supervisor"}),
    ("POST", "/checkin/draws/X/leave", {"supervisor"}),
    # the draw pages: the agency's (counts only before publication), the supervisor's monitor,
    # the expert's invitations
    ("GET", "/agency/draws", MANAGER_ROLES),
    ("GET", "/agency/tenders/T/draw", OWNERS),
    ("POST", "/agency/tenders/T/draw", OWNERS),
    ("POST", "/agency/tenders/T/draw/publish", OWNERS),
    ("GET", "/supervision/draws", {"supervisor"}),
    ("GET", "/supervision/draws/X", {"supervisor"}),
    ("POST", "/supervision/draws/X/publish", {"supervisor"}),
    ("GET", "/expert/invitations", {"expert"}),
    # the evaluation session: opened by the tender's managers or a supervisor (the cast's tender
    # is not opened: a state error, not a refusal); V = a session the cast does not have, so
    # everyone is refused (who enters a session: tests/evaluation/sessions/test_joining.py)
    ("POST", "/api/tenders/T/evaluation", OWNERS | {"supervisor"}),
    ("GET", "/api/evaluation/V", set()),
    ("GET", "/api/evaluation/V/messages", set()),
    ("POST", "/api/evaluation/V/K", set()),
    ("GET", "/api/evaluation/V/report.pdf", set()),
    # the bids' documents in a session: its members only, supervisors among the refused
    # (V: the cast has no session; who reads: tests/evaluation/documents/)
    ("GET", "/api/evaluation/V/bids/B/documents", set()),
    ("GET", "/api/evaluation/V/bids/B/documents/F", set()),
    # a venue's AV device token (admin); Y = a venue of the cast. The telemetry takes a device's
    # token only: every user (and no token) is refused
    ("GET", "/api/venues/Y/devices", {"admin"}),
    ("POST", "/api/venues/Y/devices", {"admin"}),
    ("DELETE", "/api/venues/Y/devices", {"admin"}),
    ("POST", "/api/telemetry/heartbeats", set()),
    ("POST", "/api/telemetry/events", set()),
    # the session's page (the cast has no session: everyone refused, as by the API) and the
    # bidder's clarifications page with its answer form (an empty answer is refused as invalid)
    ("GET", "/evaluation/V", set()),
    ("GET", "/my/clarifications", {"bidder"}),
    ("POST", "/my/clarifications/V/N/answer", {"bidder"}),
    # clarifications: the questions put to a bidder's organisation, and its answer
    ("GET", "/api/my/clarifications", {"bidder"}),
    ("POST", "/api/evaluation/V/clarifications/N/answer", {"bidder"}),
    ("POST", "/expert/invitations/X/answer", {"expert"}),
    # the supervisors' alert log: alerts name seats and bids, so supervisors only. A = an alert
    # the cast does not have (its detectors raised none): everyone refused, as by the pages
    # (who handles an alert, with real ones: tests/audit/alerts/)
    ("GET", "/api/alerts", {"supervisor"}),
    ("GET", "/api/alerts.csv", {"supervisor"}),
    ("GET", "/api/alerts/A", set()),
    ("POST", "/api/alerts/A/acknowledge", set()),
    ("POST", "/api/alerts/A/assign", set()),
    ("POST", "/api/alerts/A/resolve", set()),
    ("GET", "/supervision/alerts", {"supervisor"}),
    ("GET", "/supervision/alerts/A", set()),
    ("POST", "/supervision/alerts/A/acknowledge", set()),
    ("POST", "/supervision/alerts/A/assign", set()),
    ("POST", "/supervision/alerts/A/resolve", set()),
    ("POST", "/supervision/alerts/A/credit", set()),
    # the supervisors' console and its interventions: supervisors only. V is a session the cast
    # does not have, but a supervisor's empty body is refused first, by its missing reason
    # (reason_required): authorization let it through. A names no alert of the cast: everyone
    # refused (the interventions with real ones: tests/audit/supervision/)
    ("GET", "/supervision", {"supervisor"}),
    ("GET", "/api/supervision", {"supervisor"}),
    ("POST", "/api/supervision/sessions/V/pause", {"supervisor"}),
    ("POST", "/api/supervision/sessions/V/query", {"supervisor"}),
    ("POST", "/api/supervision/alerts/A/escalate", {"supervisor"}),  # 400 before the lookup
    # history playback and the charts: supervisors only (a timeline names seats and bidders). T
    # is still open for bids: its opening's playback is refused to a supervisor as not_opened
    # (409: authorization let it through); V is a session the cast does not have (404)
    ("GET", "/supervision/playback", {"supervisor"}),
    ("GET", "/supervision/playback/opening/T", {"supervisor"}),
    ("GET", "/supervision/playback/evaluation/V", set()),
    ("GET", "/api/supervision/timeline/opening/T", {"supervisor"}),
    ("GET", "/api/supervision/timeline/evaluation/V", set()),
    ("GET", "/supervision/trends", {"supervisor"}),
    ("GET", "/api/supervision/trends", {"supervisor"}),
    # the statistics: the public's tables for anyone, the centre's for supervisors and admins
    # (Z = a public table's CSV; a centre's table's CSV: tests/trading/statistics/)
    ("GET", "/statistics", ALL),
    ("GET", "/api/statistics", ALL),
    ("GET", "/api/statistics/centre", {"supervisor", "admin"}),
    ("GET", "/api/statistics/Z", ALL),
    # the award: its page for the tender's managers and the supervisors (no report yet: the page
    # says so); the awards as each may see them, public; W is an award the cast does not have,
    # so every action is refused (who acts on a real one: tests/trading/award/)
    ("GET", "/agency/tenders/T/award", OWNERS | {"supervisor"}),
    ("GET", "/api/tenders/T/awards", ALL),
    ("POST", "/api/tenders/T/retender", OWNERS),
    # complaints (投诉): a holder of the documents files (the cast's bidder holds them; its empty
    # body is refused as invalid), supervisors handle; the decisions of a tender are public.
    # P = a complaint the cast does not have: everyone refused
    ("POST", "/tenders/T/complaints", {"bidder"}),
    ("POST", "/api/tenders/T/complaints", {"bidder"}),
    ("GET", "/api/tenders/T/complaints", ALL),
    ("GET", "/api/complaints", {"bidder", "supervisor"}),
    ("GET", "/supervision/complaints", {"supervisor"}),
    ("POST", "/supervision/complaints/P/accept", set()),
    ("POST", "/supervision/complaints/P/refuse", set()),
    ("POST", "/supervision/complaints/P/decide", set()),
    ("POST", "/api/complaints/P/accept", set()),
    ("POST", "/api/complaints/P/refuse", set()),
    ("POST", "/api/complaints/P/decide", set()),
    ("POST", "/agency/awards/W/publicity", set()),
    ("POST", "/agency/awards/W/objections/O/answer", set()),
    ("POST", "/agency/awards/W/decision", set()),
    ("POST", "/agency/awards/W/lottery", set()),
    ("POST", "/agency/awards/W/contract", set()),
    ("POST", "/awards/W/objections", set()),
    ("POST", "/api/awards/W/publicity", set()),
    ("POST", "/api/awards/W/objections", set()),
    ("POST", "/api/awards/W/objections/O/answer", set()),
    ("POST", "/api/awards/W/decision", set()),
    ("POST", "/api/awards/W/lottery", set()),
    ("GET", "/api/awards/W/lottery.json", set()),
    ("POST", "/api/awards/W/contract", set()),
    # credit (docs/credit.md): the lists are public, the supervisors decide; a record is read by
    # the supervisors and its subject (G = the bidder's organisation, H = the cast's expert);
    # L = a credit decision the cast does not have, A = no alert: everyone refused
    ("GET", "/credit", ALL),
    ("POST", "/credit/decisions", {"supervisor"}),
    ("POST", "/credit/decisions/L/revoke", set()),
    ("POST", "/api/credit/decisions", {"supervisor"}),
    ("POST", "/api/credit/decisions/L/revoke", set()),
    ("GET", "/api/credit/lists", ALL),
    ("GET", "/api/credit/subjects/organisations/G", {"bidder", "supervisor"}),
    ("GET", "/api/credit/subjects/experts/H", {"expert", "supervisor"}),
    ("POST", "/api/alerts/A/credit-decisions", set()),
    # open data (docs/open-data.md): public, no login; J = the cast's tender's ocid
    ("GET", "/api/ocds/releases", ALL),
    ("GET", "/api/ocds/records/J", ALL),
]

NOT_WALKED = {"static", "bootstrap.static"}  # files, no authorization


PLACEHOLDERS = {
    "T": "<int:tender_id>",
    "D": "<int:document_id>",
    "O": "<int:objection_id>",
    "S": "<serial>",
    "U": "<upload_id>",
    "B": "<int:bid_id>",
    "G": "<int:organisation_id>",
    "I": "<int:issuer_id>",
    "E": "<int:guarantee_id>",
    "C": "<int:deposit_id>",
    "X": "<int:draw_id>",
    "K": "<command>",
    "V": "<int:session_id>",
    "N": "<int:number>",
    "F": "<path:name>",
    "Y": "<int:venue_id>",
    "M": "<int:notification_id>",
    "R": "<int:registration_id>",
    "A": "<int:alert_id>",
    "Q": "<int:token_id>",
    "W": "<int:award_id>",
    "P": "<int:complaint_id>",
    "Z": "<table>.csv",
    "J": "<ocid>",
    "L": "<int:decision_id>",
    "H": "<int:expert_id>",
}
# placeholders whose value is the same for every cast
FIXED_IDS = {"Z": "transactions.csv"}


def _pattern(path: str) -> str:
    if path.startswith("/lang/"):
        return "/lang/<code>"
    return "/".join(PLACEHOLDERS.get(part, part) for part in path.split("/"))


def test_every_route_of_the_app_has_a_row_in_the_table(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_WALKED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    table = {(method, _pattern(path)) for method, path, _ in TABLE}
    assert routes - table == set(), "routes without a row in the access table"
    assert table - routes == set(), "rows for routes that do not exist"


def _url(path: str, ids: dict) -> str:
    ids = FIXED_IDS | ids
    parts = [str(ids.get(part, part)) for part in path.split("/")]
    return "/".join(parts)


def _body(url: str, method: str) -> dict:
    """An empty body of the kind the route takes: JSON for the API, a form for a page."""
    if method == "GET":
        return {}
    return {"json": {}} if url.startswith("/api/") else {"data": {}}


def _refused(response) -> bool:
    # 404: the thing is hidden from this caller (another bidder's bid "does not exist")
    if response.status_code in (401, 403, 404):
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/login" in location


def test_each_route_admits_exactly_the_actors_of_its_row(cast, client):
    from tests.fixtures.app import csrf_token

    clients, ids = cast
    # the anonymous visitor carries a valid CSRF token, so only authorization can refuse it
    anonymous_headers = {"X-CSRFToken": csrf_token(client, "/login")}
    wrong = []
    for method, path, allowed in TABLE:
        if allowed is None:
            continue
        for actor in ACTORS:
            api = clients[actor]
            url = _url(path, ids)
            if api is None:
                response = client.open(
                    url, method=method, headers=anonymous_headers, **_body(url, method)
                )
            else:
                response = api.client.open(
                    url, method=method, headers=api.headers, **_body(url, method)
                )
            if _refused(response) == (actor in allowed):
                wrong.append(
                    f"{method} {path} as {actor}: {response.status_code} "
                    f"{'refused' if _refused(response) else 'admitted'}"
                )
    assert wrong == [], "\n".join(wrong)
