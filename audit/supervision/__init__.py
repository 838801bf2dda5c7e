"""The supervisors' live console (namespace ``/supervision`` and the page ``/supervision``) and
their interventions: pause a live session, put a written query to its committee, escalate an
alert (docs/audit.md, "The console")."""
