"""The sealed-bid envelope ``bidhall-seal/1`` (DESIGN.md §4; byte layout in docs/seal-format.md).

Pure cryptography and file format: no Flask, no database. The bidder's offline tool seals with
``sealing.seal(...)``; the server checks an upload with ``reading.inspect(...)`` (structure,
hashes, signature — no key needed); at the opening a data key recovered by the bidder
(``unsealing.unwrap_for_holder``) or from custodian shares (``keys.combine_shares``) decrypts a
section with ``unsealing.open_section``. ``format`` holds the constants and the chunk binding.

Layout::

    b"BHSEAL1\\n" | u32 header length | header JSON | section ciphertexts ... |
    trailer JSON | u32 trailer length | b"BHSEAL1E"

Each section (``summary``, ``documents``) has its own random 256-bit data key and is encrypted
with AES-256-GCM in fixed-size chunks (the STREAM construction): the nonce of chunk *i* is
``prefix(7) || i (u32) || last (1 byte)``, and every chunk's associated data binds the section
name and the SHA-256 of the header, so chunks cannot be reordered, dropped, truncated, moved to
another section or another envelope unnoticed. The trailer's manifest holds the SHA-256 of every
section's ciphertext (never of a plaintext: a price could be guessed from its hash) and is signed
by the bidder's signing key.
"""
