"""The platform's certificate authority and the holders' key files (DESIGN.md §4 "Identity").

Every holder (bidder, expert, opening custodian, guarantee issuer, and the platform itself) has two
key pairs, as in the Chinese dual-certificate practice: an Ed25519 signing key and an X25519
encryption key, each with its own X.509 certificate issued by our issuing CA.

- ``bidhall.crypto.keys``: the holder's side, offline. The ``bidhall-key/1`` key file, the
  ``bidhall-certreq/1`` certificate request, PKCS#12 export. No Flask, no database.
- ``bidhall.crypto.ca``: the CA's files in the instance folder and the X.509 building blocks.
- ``bidhall.crypto.services``: enrolment, revocation, validation against the registry, the CRL,
  the platform's own signing identity.

docs/keys-and-certificates.md documents the formats byte by byte.
"""
