"""bidhall — electronic public-resource trading and remote bid evaluation.

The kernel (this package) holds what every domain package stands on: config, database, clock,
domain events, errors, accounts and the crypto primitives. It never imports a domain package;
``bidhall.app`` is the only module that wires trading, evaluation and audit together.
"""
