"""`bidhall venue device-token CODE` and `bidhall venue revoke-device CODE`: the bearer token of
a venue's audio-video system, issued (printed once; only its hash is kept) and revoked."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors


@click.group("venue")
def venue_group() -> None:
    """A venue's audio-video system: its device token."""


@venue_group.command("device-token")
@click.argument("code")
@click.option("--name", default="", help="e.g. the AV system's make and room")
@click.option("--replace", is_flag=True, help="revoke the venue's active device token first")
@with_appcontext
@fail_on_domain_errors
def device_token_command(code: str, name: str, replace: bool) -> None:
    """Issue the device token of venue CODE for its AV system's telemetry, e.g. `bidhall venue
    device-token SH-A`. The secret is printed once; only its SHA-256 is kept."""
    from evaluation.presence import services

    _device, secret = services.issue_device(
        "system:cli", services.venue_id_of(code), name, replace=replace
    )
    click.echo(secret)


@venue_group.command("revoke-device")
@click.argument("code")
@with_appcontext
@fail_on_domain_errors
def revoke_device_command(code: str) -> None:
    """Revoke the active device token of venue CODE: its telemetry is refused from now on."""
    from evaluation.presence import services

    device = services.revoke_device("system:cli", services.venue_id_of(code))
    click.echo(f"device token {device.id} of venue {code} revoked")
