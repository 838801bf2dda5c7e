"""The tender's digital archive (DOMAIN.md §2 step 15, docs/archive.md): one ZIP per finished
tender with a signed manifest, exported by ``services.export_archive`` and checked offline by
``verify.verify_archive``."""
