"""The base of every page's form."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm


class PageForm(FlaskForm):
    """A page's form reads the posted form fields only.

    Flask-WTF also takes a JSON body as the form's data, with values of any JSON type, which
    WTForms' fields and filters do not expect (a number where text is expected raises). Pages are
    posted as forms; JSON belongs to the /api/ routes. A JSON body is thus read as an empty form,
    refused by the form's own validation after the view's authorization, like any empty post."""

    def show_at_field(self, error: Any, message: str) -> bool:
        """Put a refusal's message under the field its ``field`` detail names; False when the
        form has no such field (the page then shows it above the form)."""
        target = self._field_named(error)
        if target is None:
            return False
        target.errors = [*target.errors, message]
        return True

    def _field_named(self, error: Any) -> Any:
        name = error.details.get("field")
        return self._fields.get(name) if isinstance(name, str) else None

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if request.is_json and not (request.form or request.files):
                return None
            return super().wrap_formdata(form, formdata)
