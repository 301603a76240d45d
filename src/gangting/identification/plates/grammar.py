"""The plate grammar as a validator and a cautious repairer (thin layer on vehicles.rules).

The grammar itself (GA 36-2018) lives in ``gangting.vehicles.rules.parse_plate``; this
module only adds what a reader needs: a yes/no check, the per-position character classes
used to constrain decoding, and the repair of confusable characters where exactly one
substitution yields a valid plate.
"""

from __future__ import annotations

import unicodedata
from itertools import combinations, product

from gangting.vehicles.rules import PROVINCES, InvalidPlate, Plate, parse_plate

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36: no I, no O
DIGITS = "0123456789"
SERIAL = DIGITS + LETTERS

# Per-position character classes, one template per plate format of parse_plate.
ORDINARY: tuple[str, ...] = (PROVINCES, LETTERS, *([SERIAL] * 5))
NEW_ENERGY_SMALL: tuple[str, ...] = (PROVINCES, LETTERS, "DABCEFGHJK", SERIAL, *([DIGITS] * 4))
NEW_ENERGY_LARGE: tuple[str, ...] = (PROVINCES, LETTERS, *([DIGITS] * 5), "DF")
TEMPLATES: tuple[tuple[str, ...], ...] = (ORDINARY, NEW_ENERGY_SMALL, NEW_ENERGY_LARGE)

# Characters an OCR model confuses on plates; each group is interchangeable for repair.
CONFUSABLE_GROUPS: tuple[str, ...] = ("0DQO", "8B", "1I", "2Z", "5S")
_CONFUSABLE: dict[str, str] = {c: g for g in CONFUSABLE_GROUPS for c in g}
_SEPARATORS = str.maketrans("", "", "·•・. -\t_")


def normalise(text: str) -> str:
    """NFKC, drop separators, upper-case; O->0 and I->1 after the province character."""
    value = unicodedata.normalize("NFKC", text).translate(_SEPARATORS).upper()
    return value[:1] + value[1:].replace("O", "0").replace("I", "1")


def validate(text: str) -> Plate | None:
    """The parsed plate when ``text`` is a valid GA 36 plate, else None."""
    try:
        return parse_plate(text)
    except InvalidPlate:
        return None


def is_valid(text: str) -> bool:
    return validate(text) is not None


def repair(text: str, *, max_changes: int = 2) -> str | None:
    """The valid plate for ``text``, repairing confusables only where the answer is unique.

    ``text`` is normalised first; a valid result is returned as is. Otherwise every way
    of replacing up to ``max_changes`` confusable characters (0/D/Q, 8/B, 1/I, 2/Z, 5/S)
    is tried, fewest changes first; the repair is returned only when exactly one
    candidate at the smallest number of changes is valid. None when no or several
    candidates are valid (the grammar does not decide: reject rather than guess).
    """
    value = unicodedata.normalize("NFKC", text).translate(_SEPARATORS).upper()
    if not value:
        return None
    if is_valid(value):
        return parse_plate(value).value
    positions = [i for i, c in enumerate(value) if i > 0 and c in _CONFUSABLE]
    for changes in range(1, max_changes + 1):
        found: set[str] = set()
        for chosen in combinations(positions, changes):
            options = [[a for a in _CONFUSABLE[value[i]] if a != value[i]] for i in chosen]
            for subst in product(*options):
                chars = list(value)
                for i, a in zip(chosen, subst, strict=True):
                    chars[i] = a
                candidate = "".join(chars)
                if is_valid(candidate):
                    found.add(candidate)
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None
