"""bidhall — electronic public-resource trading and remote bid evaluation.

The kernel (this package) holds what every domain package stands on: config, database, clock,
domain events, errors, accounts, the crypto primitives, the sealed-bid envelope and the real-time
core. It never imports a domain package, nor the shell (``bidhall.shell``: app factory, CLI root,
demo), which is the only code that wires trading, evaluation and audit together.
"""
