"""Complaints (投诉) to the supervisor about a tender, after the objection (异议) to the tenderer:
filed within the legal time of knowing, accepted or not within 3 working days, decided on the
merits within 30 working days, the tender suspended meanwhile when the supervisor so decides;
decisions are published (DOMAIN.md §7; Regs Art 60-62)."""
