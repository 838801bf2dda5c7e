"""`bidhall tender ...`: run a tender from the command line, authenticated by an API token.

Most verbs work on the server's own database; `tender download`, a bidder's verb, talks to a
bidhall server over HTTP (standard library only), like `bidhall bid ...`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors
from bidhall.errors import Unauthenticated
from trading.bids.cli import _call, _download, server_option

token_option = click.option(
    "--token",
    envvar="BIDHALL_TOKEN",
    required=True,
    help="API token (or BIDHALL_TOKEN); see `bidhall users token`",
)


def _user(token: str):
    from bidhall.accounts import services

    user = services.user_for_token(token)
    if user is None:
        raise Unauthenticated("the API token is unknown or revoked", code="invalid_token")
    return user


def _echo(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("tender")
def tender_group() -> None:
    """Draft, file, publish, amend and terminate tenders."""


@tender_group.command("list")
@with_appcontext
def list_command() -> None:
    """The public tenders."""
    from trading.tenders import queries

    _echo(
        [
            {
                "id": t.id,
                "reference": t.reference,
                "title": t.title,
                "state": t.state.value,
                "bid_deadline": t.bid_deadline.isoformat(),
            }
            for t in queries.public_tenders()
        ]
    )


@tender_group.command("create")
@click.argument("draft_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@token_option
@with_appcontext
@fail_on_domain_errors
def create_command(draft_file: Path, token: str) -> None:
    """Create a draft from a JSON file (the same shape as POST /api/tenders)."""
    from bidhall.errors import InvalidInput
    from trading.tenders import serialize, services
    from trading.tenders.schemas import parse_draft

    try:
        data = json.loads(draft_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{draft_file} is not valid JSON: {error}", code="invalid_body"
        ) from None
    _echo(serialize.tender_managed(services.create_tender(_user(token), parse_draft(data))))


@tender_group.command("attach")
@click.argument("tender_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@token_option
@with_appcontext
@fail_on_domain_errors
def attach_command(tender_id: int, path: Path, token: str) -> None:
    """Attach a tender document file to a draft."""
    from trading.tenders import serialize, services

    with open(path, "rb") as stream:
        _echo(serialize.document(services.add_document(_user(token), tender_id, path.name, stream)))


@tender_group.command("file")
@click.argument("tender_id", type=int)
@token_option
@with_appcontext
@fail_on_domain_errors
def file_command(tender_id: int, token: str) -> None:
    """Submit a draft to the supervisor for filing (备案)."""
    from trading.tenders import services

    record = services.submit_for_filing(_user(token), tender_id)
    _echo({"tender_id": tender_id, "filing_id": record.id, "state": "filing"})


@tender_group.command("decide")
@click.argument("tender_id", type=int)
@click.argument("decision", type=click.Choice(["accept", "return"]))
@click.option("--reason", default="")
@token_option
@with_appcontext
@fail_on_domain_errors
def decide_command(tender_id: int, decision: str, reason: str, token: str) -> None:
    """The supervisor accepts or returns a filing (reasons required to return)."""
    from trading.tenders import services

    record = services.decide_filing(_user(token), tender_id, decision == "accept", reason)
    _echo({"tender_id": tender_id, "decision": record.decision})


@tender_group.command("publish")
@click.argument("tender_id", type=int)
@token_option
@with_appcontext
@fail_on_domain_errors
def publish_command(tender_id: int, token: str) -> None:
    from trading.tenders import serialize, services

    _echo(serialize.tender_managed(services.publish_tender(_user(token), tender_id)))


@tender_group.command("notice")
@click.argument("tender_id", type=int)
@click.option("--kind", type=click.Choice(["clarification", "amendment"]), required=True)
@click.option("--title", required=True)
@click.option("--body", required=True)
@click.option(
    "--affects-preparation",
    is_flag=True,
    help="may affect bid preparation: needs 15 days before the deadline",
)
@token_option
@with_appcontext
@fail_on_domain_errors
def notice_command(
    tender_id: int, kind: str, title: str, body: str, affects_preparation: bool, token: str
) -> None:
    """Publish a clarification or amendment to every holder of the documents."""
    from trading.tenders import notices, serialize

    _echo(
        serialize.notice(
            notices.issue_notice(_user(token), tender_id, kind, title, body, affects_preparation)
        )
    )


@tender_group.command("terminate")
@click.argument("tender_id", type=int)
@click.option("--reason", required=True)
@token_option
@with_appcontext
@fail_on_domain_errors
def terminate_command(tender_id: int, reason: str, token: str) -> None:
    from trading.tenders import serialize, services

    _echo(serialize.tender_managed(services.terminate_tender(_user(token), tender_id, reason)))


@tender_group.command("download")
@click.argument("tender_id", type=int)
@server_option
@token_option
@click.option(
    "-o",
    "--output",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="folder to save the documents in (made if missing)",
)
@fail_on_domain_errors
def download_command(tender_id: int, server: str, token: str, folder: Path) -> None:
    """Download a tender's documents (needed to bid).

    Only holders of the documents may bid: the first download makes your organisation one, in
    the download period. Each file is checked against the sha256 the server publishes for it."""
    tender = _call("GET", f"{server}/api/tenders/{tender_id}", token)
    folder.mkdir(parents=True, exist_ok=True)
    saved, names = [], set()
    for document in tender["documents"]:
        name = _local_name(document, names)
        path = folder / name
        size, sha256 = _download(
            f"{server}/api/tenders/{tender_id}/documents/{document['id']}",
            token,
            path,
            document.get("sha256"),
        )
        saved.append(
            {"document_id": document["id"], "path": str(path), "size": size, "sha256": sha256}
        )
    click.echo(json.dumps({"tender": tender["reference"], "saved": saved}, ensure_ascii=False))


def _local_name(document: dict, taken: set[str]) -> str:
    """The document's own file name, never a path; prefixed by its id if two share a name."""
    name = Path(str(document["filename"]).replace("\\", "/")).name
    if name in ("", ".", ".."):
        name = f"document-{document['id']}"
    if name in taken:
        name = f"{document['id']}-{name}"
    taken.add(name)
    return name
