"""Security headers on every response."""

from __future__ import annotations

from flask import Flask
from flask.wrappers import Response
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script, no eval, no framing; htmx is configured (meta htmx-config) not to inject styles.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response, errors and static files included."""

    @app.after_request
    def _add_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            # Pages can hold personal data: never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def trust_proxies(app: Flask) -> None:
    """Read the visitor's address and scheme from the ``PROXY_COUNT`` reverse proxies in front of Civic.

    Behind a proxy every request comes from the proxy's address: per-address rate limits (login,
    registration, reset) would then be shared by the whole town, and a few bad requests would lock
    everyone out. The forwarded Host is never trusted: links come from BASE_URL.
    """
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
