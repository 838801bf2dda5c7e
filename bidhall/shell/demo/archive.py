"""Chapter 7b: the tender is over (its contract signed), so the centre exports its digital
archive and checks it offline against the platform's root, as an archivist would years later."""

from __future__ import annotations

from bidhall.shell.demo.context import Demo


def run(demo: Demo) -> None:
    from audit.archive import services as archive
    from audit.archive.verify import verify_archive
    from bidhall.crypto import services as pki

    path = demo.instance / f"archive-{demo.tender.reference}.zip"
    exported = archive.export_archive(str(demo.tender.id), path, actor="system:demo")
    result = verify_archive(path, pki.root_pem())
    demo.archive = {
        "path": str(exported.path),
        "members": exported.members,
        "bytes": exported.size,
        "ledger_entries": exported.ledger_entries,
        "verified": result.ok,
        "retain_until": (result.retention or {}).get("retain_until"),
    }
    demo.say(
        f"the tender's archive {path.name}: {exported.members} members, {exported.size:,} bytes; "
        f"verified offline against the root: {'ok' if result.ok else result.problem}"
    )
