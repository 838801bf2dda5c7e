"""Publication: open data in the Open Contracting Data Standard (OCDS 1.1.5). ``ocds`` builds
releases and packages from plain data; ``services`` records a release for each public change in
the writer's transaction, keyed by the change's audit-ledger seq (the feed's cursor), and serves
the feed, the records and the export; ``api`` and ``cli`` are thin. docs/open-data.md."""
