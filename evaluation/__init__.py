"""Evaluation: one folder per capability — ``experts`` (the regions' pools and the import),
``draws`` (the committee draw with its commitment) and ``venues`` (main and secondary venues,
recusal declarations, check-in, fees). The live evaluation session comes next. It builds on
trading and never imports audit. docs/architecture.md has the map."""
