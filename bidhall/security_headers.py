"""Security headers on every response: pages, JSON, static files and error pages.

The Content-Security-Policy is the setting ``CONTENT_SECURITY_POLICY`` (bidhall/config.py): no
page runs an inline script or carries an inline style, so no nonce is needed and the policy is
the same string on every response. Strict-Transport-Security is sent only in production, where
the platform is served over HTTPS; a development server on plain HTTP must not pin a browser to
HTTPS for a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

HSTS = "max-age=31536000; includeSubDomains"  # one year

# no page uses any of these browser features; a frame or a script injected despite the CSP
# cannot ask for them either
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def headers_for(config: Mapping[str, Any]) -> dict[str, str]:
    """The headers every response carries under ``config``."""
    headers = {
        "Content-Security-Policy": config["CONTENT_SECURITY_POLICY"],
        "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers without CSP level 2
        "X-Content-Type-Options": "nosniff",
        # bid and tender URLs never leave the platform in a Referer header
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if config["BIDHALL_ENV"] == "production":
        headers["Strict-Transport-Security"] = HSTS
    return headers


def install(app: Flask) -> None:
    """Add the headers to every response of ``app``; a view that sets one itself keeps its own."""

    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        for name, value in headers_for(app.config).items():
            response.headers.setdefault(name, value)
        return response
