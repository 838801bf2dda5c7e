"""The supervisors' charts of the alerts: over time, by detector, and how long they took to
resolve."""
