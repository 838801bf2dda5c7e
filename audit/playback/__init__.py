"""History playback: any opening or evaluation replayed from the ledger, for supervisors."""
