"""The statistics the trading centre reports (DOMAIN.md §8): projects and transaction value by
type and period, savings and savings rate, the shares of remote opening and remote evaluation,
e-guarantees against cash deposits, refunds, alerts and their resolution, experts' fees, as
tables the public and the centre's supervisors read (JSON, CSV, and a page with ECharts charts).

DESIGN.md puts statistics in trading, and trading may import neither evaluation nor audit
(pyproject.toml's import contracts). So the figures trading owns are computed here
(``queries``), and the figures that need evaluation's or audit's data are *providers* those
packages register in ``providers`` (evaluation.sessions.statistics,
evaluation.venues.statistics, audit.alerts.statistics); the shell wires them
(bidhall.shell.app ``_wire_domains``), as it wires audit's subscription to the domain events.
docs/statistics.md gives every table and figure.
"""
