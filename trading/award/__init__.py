"""From the evaluation report to the contract: the candidates' publicity (公示) and the objections
raised during it, the award decision (定标) and its notices, and the contract record whose
signature (``contract.signed``) starts the refund and release clocks (DOMAIN.md §2 steps 9-12)."""
