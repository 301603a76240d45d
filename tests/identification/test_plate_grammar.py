from __future__ import annotations

import pytest

from gangting.identification.plates.grammar import is_valid, normalise, repair


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蒙B12345", "蒙B12345"),  # valid: unchanged
        ("蒙B·12345", "蒙B12345"),  # separator dropped
        ("蒙8·12345", "蒙B12345"),  # authority must be a letter: 8 -> B is the only way
        ("蒙BI2345", "蒙B12345"),  # I is never on a plate; 1 is the only valid swap
        ("蒙BD12B45", "蒙BD12845"),  # new energy: last 4 are digits, B -> 8
        ("蒙BD1234S", "蒙BD12345"),  # S -> 5 at a digit-only position
        ("8B12345", None),  # the province character is never invented
        ("蒙BO1234", None),  # 6 characters: nothing to repair
        ("蒙B12O45", None),  # O -> 0, D or Q: the grammar leaves three answers
        ("junk", None),
    ],
)
def test_repair_only_where_the_grammar_leaves_one_answer(text: str, expected: str | None) -> None:
    assert repair(text) == expected


def test_validate_and_normalise() -> None:
    assert is_valid("蒙B12345") and is_valid("蒙BD12345") and is_valid("蒙B12345D")
    assert not is_valid("蒙BI2345") and not is_valid("X蒙12345")
    assert normalise("蒙b·1O2I3") == "蒙B10213"
