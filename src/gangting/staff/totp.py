"""Time-based one-time passwords (RFC 6238, through pyotp): the second factor of
administrators and supervisors (docs/decisions/0014; 等保 2.0 三级 身份鉴别 "应采用口令、密码技术、
生物技术等两种或两种以上组合的鉴别技术"; OWASP ASVS 4.0 V2.8).

Codes are 6 digits over 30-second steps; one step either side is accepted (clock drift), and
a step once used is never accepted again for that account (no replay of an observed code).
"""

from __future__ import annotations

import base64
import hmac
import io
from datetime import datetime

import pyotp
import segno

ISSUER = "岗亭 gangting"
DIGITS = 6
STEP_S = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A new random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def otpauth_uri(secret: str, username: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads (as text or a QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def qr_data_uri(uri: str) -> str:
    """The ``otpauth://`` URI as a QR code, an SVG ``data:`` URI the screen shows for the
    phone's authenticator to scan (made here: nothing is fetched)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def code_at(secret: str, at: datetime) -> str:
    """The code for the step holding ``at`` (for tests and the demo)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).at(at)


def matching_step(secret: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The step whose code ``code`` is (within the drift, later than ``last_step``), or
    ``None``: a wrong, stale or already used code."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    now_step = totp.timecode(at)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        step = now_step + offset
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(at, counter_offset=offset), code):
            return step
    return None
