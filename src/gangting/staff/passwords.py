"""The staff password policy, pure (docs/decisions/0014; 等保 2.0 三级 身份鉴别
"身份标识具有唯一性，身份鉴别信息具有复杂度要求并定期更换"; OWASP ASVS 4.0 V2.1.1, V2.1.7).

A new password:

- has at least ``MIN_LENGTH`` (12) characters and at most ``MAX_LENGTH`` (128);
- mixes at least ``MIN_CLASSES`` (3) of four classes: lower-case letters, upper-case letters,
  digits, and anything else (punctuation, spaces, Chinese characters);
- does not contain the username (compared without case; names of 3 characters or more);
- is not a common password: neither itself (without case) nor its word once leading and
  trailing digits and symbols are cut and look-alike characters read back (``P@ssw0rd2026!``
  is "password") is in ``COMMON``, a small list shipped in the package (no download).

The policy applies where a password is set (a password change, the demo seed); an existing
password that predates it still logs in.
"""

from __future__ import annotations

from gangting.staff.common_passwords import COMMON
from gangting.staff.errors import PasswordTooWeak

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_CLASSES = 3
_LOOK_ALIKES = str.maketrans({"@": "a", "4": "a", "0": "o", "$": "s", "5": "s", "3": "e", "1": "i"})

PROBLEMS_ZH = {
    "too_short": f"至少{MIN_LENGTH}位",
    "too_long": f"至多{MAX_LENGTH}位",
    "too_few_classes": f"须包含大写字母、小写字母、数字、其他符号中的至少{MIN_CLASSES}类",
    "contains_username": "不能包含用户名",
    "common": "不能是常见密码或其变形",
}


def character_classes(password: str) -> int:
    """How many of the four classes ``password`` uses."""
    lower = any("a" <= ch <= "z" for ch in password)
    upper = any("A" <= ch <= "Z" for ch in password)
    digit = any("0" <= ch <= "9" for ch in password)
    other = any(not ("a" <= ch <= "z" or "A" <= ch <= "Z" or "0" <= ch <= "9") for ch in password)
    return sum((lower, upper, digit, other))


def base_word(password: str) -> str:
    """The password's word: lower case, leading and trailing digits and symbols cut,
    look-alike characters read back as letters."""
    text = password.strip().lower()
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end].translate(_LOOK_ALIKES)


def is_common(password: str) -> bool:
    lowered = password.strip().lower()
    return (
        lowered in COMMON
        or lowered.translate(_LOOK_ALIKES) in COMMON
        or base_word(password) in COMMON
    )


def problems(username: str, password: str) -> list[str]:
    """What is wrong with ``password`` for the account ``username`` (empty: acceptable)."""
    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append("too_short")
    if len(password) > MAX_LENGTH:
        found.append("too_long")
    if character_classes(password) < MIN_CLASSES:
        found.append("too_few_classes")
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        found.append("contains_username")
    if is_common(password):
        found.append("common")
    return found


def check(username: str, password: str) -> str:
    """``password`` when the policy accepts it; ``PasswordTooWeak`` (422) naming each problem
    otherwise."""
    found = problems(username, password)
    if found:
        raise PasswordTooWeak(
            "新密码不符合要求：" + "；".join(PROBLEMS_ZH[p] for p in found),
            data={"problems": found, "min_length": MIN_LENGTH, "min_classes": MIN_CLASSES},
        )
    return password
