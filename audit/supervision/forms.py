"""The names the console gives codes of this capability that the alert log's tables
(``audit.alerts.forms``) do not name yet."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DETECTOR_NAMES = {
    "supervision.unbacked_pause": _l("A session paused with no alert behind it"),
}
