"""Chapter 1, the world: the trading centre, the tenderer, the agency, the filing supervisor and
three bidders, each user with the demo's password; the custodians and the bidders make their
own key files, whose public keys the platform CA certifies."""

from __future__ import annotations

from bidhall.accounts import registrations, rules
from bidhall.accounts import services as accounts
from bidhall.shell.demo.context import DEMO_KEY_PASSPHRASE, DEMO_PASSWORD, Demo
from trading.guarantees import issuers

BIDDERS = ("Huadong Construction Group", "Jiangcheng Builders Ltd", "Minsheng Engineering Co.")


def org(name: str, kind: str):
    return accounts.create_organisation("system:demo", name, kind)


def user(username: str, role: str, organisation, display: str):
    return accounts.create_user(
        "system:demo", username, DEMO_PASSWORD, role, organisation.id, display
    )


def run(demo: Demo) -> None:
    cast = demo.cast
    cast.platform = org("Riverside Public Resource Trading Centre", "platform")
    cast.admin = user("admin", "admin", cast.platform, "Platform administrator")
    cast.tenderer_org = org("Riverside Education Bureau", "tenderer")
    cast.tenderer = user("tenderer", "tenderer", cast.tenderer_org, "Education Bureau buyer")
    cast.agency = user(
        "agency", "agency", org("Jiangnan Tendering Agency Co.", "agency"), "Agency project manager"
    )
    cast.supervisor = user(
        "supervisor",
        "supervisor",
        org("Riverside Housing and Construction Bureau", "authority"),
        "Filing supervisor",
    )
    cast.bidders = [
        user(f"bidder{i}", "bidder", org(name, "bidder"), name)
        for i, name in enumerate(BIDDERS, start=1)
    ]
    bank = org("Riverside Commercial Bank", "issuer")
    cast.issuer = user("bank", "issuer", bank, "Guarantee desk, Riverside Commercial Bank")
    issuers.register_issuer(cast.admin, bank.id, "bank", "B0123H233010001")
    demo.say(
        f"registered {len(accounts.list_organisations())} organisations and "
        f"{len(accounts.list_users())} users (password for all: {DEMO_PASSWORD})"
    )
    # a fourth company registers itself on /register; it waits for the administrator's approval
    code = "91330100MA27U1234"
    registrations.submit(
        registrations.Application(
            "Haixin Engineering Co.",
            code + rules.credit_code_check(code),
            "Zhou Ping",
            "haixin",
            DEMO_PASSWORD,
            "bids@haixin.example",
        )
    )
    demo.say("Haixin Engineering Co. registered itself and awaits the administrator's approval")

    # every custodian and bidder makes its own key pair and key file; the platform CA
    # certifies the public keys (the private keys never reach the server)
    for holder in [cast.agency, cast.supervisor, *cast.bidders, cast.issuer]:
        demo.enroll(holder)
    demo.say(
        f"platform CA certified signing + encryption keys for {len(demo.key_files)} holders; "
        f"key files in {demo.keys_folder} (passphrase: {DEMO_KEY_PASSPHRASE})"
    )
