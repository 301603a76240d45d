"""Security headers on every answer of the centre and of a booth node (pure ASGI).

Every answer: ``X-Frame-Options: DENY`` and ``X-Content-Type-Options: nosniff``; with
``hsts_seconds`` (GANGTING_HSTS_SECONDS, for deployments behind TLS) also
``Strict-Transport-Security``. Every HTML page: a ``Content-Security-Policy`` response header
with ``frame-ancestors 'none'`` (a ``<meta>`` policy cannot say it): a page's own policy is
kept and given ``frame-ancestors 'none'`` when it lacks it; a page without one gets
``PAGE_CSP`` (only its own origin)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app = app
        self.always: list[tuple[bytes, bytes]] = [
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
        ]
        if hsts_seconds > 0:
            value = f"max-age={hsts_seconds}; includeSubDomains".encode()
            self.always.append((b"strict-transport-security", value))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._secured(list(message.get("headers") or []))
            await send(message)

        await self.app(scope, receive, with_headers)

    def _secured(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        out = headers + [(n, v) for n, v in self.always if n not in present]
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        if content_type.lower().startswith(b"text/html"):
            if b"content-security-policy" not in present:
                out.append((b"content-security-policy", PAGE_CSP.encode()))
            else:
                out = [
                    (n, _no_framing(v) if n.lower() == b"content-security-policy" else v)
                    for n, v in out
                ]
        return out


def _no_framing(policy: bytes) -> bytes:
    if b"frame-ancestors" in policy:
        return policy
    return policy.rstrip(b"; ") + b"; frame-ancestors 'none'"
