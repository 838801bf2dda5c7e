"""What every chapter of the demo shares: the instance folder, the fake clock, the cast of
organisations and users with their key files, what the earlier chapters left for the later ones,
and ``say`` (one line per step, stamped with the demo's local time)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from bidhall import clock

DEMO_PASSWORD = "demo-password-1"
DEMO_KEY_PASSPHRASE = "demo key passphrase 1"
DEMO_MARKER = ".bidhall-demo"
# the demo centre's settings, unless the environment gives its own: its two regions (the
# tenders' home region and its neighbour, whose expert pools the committee chapter sets up)
# and its name in the pages' footer
DEMO_SETTINGS = {
    "REGIONS": {"330100": "Riverside", "330200": "Lakeside"},
    "OPERATOR_NAME": "Riverside Public Resource Trading Centre",
    "OPERATOR_ADDRESS": "1 Market Street, Riverside",
    "DEPOSIT_ACCOUNT_NAME": "Riverside Public Resource Trading Centre, deposits",
    "DEPOSIT_ACCOUNT_BANK": "ICBC Riverside Branch",
    "DEPOSIT_ACCOUNT_NUMBER": "6222 0200 9999 0001",
}


def demo_settings(instance: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """The app settings of a demo run in ``instance``: the embedded SQLite database there and
    DEMO_SETTINGS where the environment sets none (BIDHALL_REGIONS, OPERATOR_NAME...)."""
    names = {"REGIONS": "BIDHALL_REGIONS"}
    settings = {
        key: value for key, value in DEMO_SETTINGS.items() if names.get(key, key) not in environ
    }
    return {**settings, "BIDHALL_INSTANCE": str(instance), "DATABASE_URL": None}


def say(message: str) -> None:
    click.echo(f"[{clock.local(clock.now()):%Y-%m-%d %H:%M} CST] {message}")


@dataclass
class Cast:
    """The world's organisations and users (``world``), and the committee's people
    (``committee``): the experts by name and the venues' local supervisors."""

    platform: Any = None  # the trading centre (Organisation)
    admin: Any = None  # users from here on
    tenderer_org: Any = None
    tenderer: Any = None
    agency: Any = None
    supervisor: Any = None  # the filing supervisor, an opening custodian
    bidders: list[Any] = field(default_factory=list)
    issuer: Any = None  # a bank registered with the centre: it issues e-guarantees
    experts: dict[str, Any] = field(default_factory=dict)  # expert name -> its user
    venue_supervisors: dict[int, Any] = field(default_factory=dict)  # venue id -> its user


@dataclass
class Demo:
    """The demo's shared context. Chapters read what the earlier ones left and add their own."""

    instance: Path
    fake: clock.FakeClock
    cast: Cast = field(default_factory=Cast)
    key_files: dict[int, Path] = field(default_factory=dict)  # user id -> its key file
    # left by the chapters
    draft: dict = field(default_factory=dict)  # tender: the draft, reused by the second tender
    tender: Any = None  # tender: the tender played through
    notice: Any = None  # tender: the amendment that moved the deadline
    receipts: list[dict] = field(default_factory=list)  # bids: the first three receipts
    receipts_verified: int = 0
    security: dict = field(default_factory=dict)  # bids: guarantees and deposits, counted
    draw: Any = None  # committee: the expert draw
    venues: list[Any] = field(default_factory=list)  # committee: main venue first
    record_path: Path | None = None  # opening: the signed record's file
    opening_finding: Any = None  # opening: its re-check
    evaluation: dict = field(default_factory=dict)  # evaluation: the summary's part
    award: dict = field(default_factory=dict)  # award: publicity, award, contract, refunds
    archive: dict = field(default_factory=dict)  # archive: the exported file, verified
    alerts: list = field(default_factory=list)  # supervision: the alerts raised, as listed
    credit: dict = field(default_factory=dict)  # supervision: the credit decision on an alert
    _ids: int = 0

    @property
    def keys_folder(self) -> Path:
        return self.instance / "keys"

    def say(self, message: str) -> None:
        say(message)

    def cmd_id(self, prefix: str) -> str:
        """A client-made command id, new on every call (the real-time commands' retries)."""
        self._ids += 1
        return f"demo-{prefix}-{self._ids}"

    def open_key(self, user: Any) -> Any:
        """The user's key bundle, opened from its own key file with the demo's passphrase."""
        from bidhall.crypto import keys

        return keys.open_bundle(self.key_files[user.id], DEMO_KEY_PASSPHRASE)

    def enroll(self, user: Any) -> Path:
        """The holder makes its key pair and key file; the platform CA certifies the public
        keys (the private keys never reach the server)."""
        from bidhall.crypto import keys, serialize
        from bidhall.crypto import services as pki

        bundle = keys.generate_bundle()
        signing, encryption = pki.enroll(user, keys.certificate_request(bundle))
        bundle = keys.install_certificates(bundle, serialize.enrollment_answer(signing, encryption))
        self.keys_folder.mkdir(parents=True, exist_ok=True)
        path = self.keys_folder / f"{user.username}.bhkey"
        keys.save_bundle(path, bundle, DEMO_KEY_PASSPHRASE)
        self.key_files[user.id] = path
        return path


def happened(report: dict) -> str:
    """What a tick did, as one line."""
    return ", ".join(
        f"{item}"
        for results in report.values()
        for result in results
        for item in getattr(result, "happened", ())
    )


def clear_demo_folder(instance: Path) -> None:
    """Empty ``instance`` for a fresh demo, if the demo made it; leave it marked as the demo's."""
    from bidhall.config import ROOT
    from bidhall.errors import InvalidInput

    if instance.exists() and any(instance.iterdir()):
        # the default folder predates the marker; anything else must carry it
        default = (ROOT / "instance" / "demo").resolve()
        if not (instance / DEMO_MARKER).exists() and instance.resolve() != default:
            raise InvalidInput(
                f"{instance} is not a demo folder (it has files but no {DEMO_MARKER}), so the "
                "demo will not wipe it: give an empty or new folder with --instance or "
                "BIDHALL_INSTANCE",
                code="not_a_demo_folder",
            )
        shutil.rmtree(instance)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / DEMO_MARKER).write_text("made by `bidhall demo`, which wipes this folder\n")
