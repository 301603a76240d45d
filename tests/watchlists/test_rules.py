"""Watch-list rules: canonical keys, confusable matching and its score, the index, one pass,
derived reasons and manual entries. No database."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from gangting.kernel.errors import Invalid
from gangting.watchlists.rules import (
    CONFUSABLE_GROUPS,
    LEGAL_BASIS,
    ListedPlate,
    MatchIndex,
    ReasonKind,
    WatchListPolicy,
    canonical_key,
    check_manual_entry,
    derived_kinds,
    derived_reason,
    hit_may_decide,
    match_score,
    same_pass,
    substitution_factor,
)

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
SERIAL = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36: no I, no O


def listed(plate: str, kind: str = "stolen", expires_at: datetime | None = None) -> ListedPlate:
    return ListedPlate(uuid.uuid4(), plate, kind, expires_at)


# --- canonical keys ---


@pytest.mark.parametrize(
    ("plate", "key"),
    [
        ("蒙B12345", "蒙812345"),
        ("蒙BD0Q55", "蒙800055"),  # D, 0, Q all class 0
        ("蒙BG6SZ1", "蒙866521"),  # 6/G, 5/S, 2/Z
        ("蒙B8B8B8", "蒙888888"),
        ("蒙AHKLMN", "蒙AHKLMN"),  # no confusable: unchanged
        ("蒙BD12345", "蒙8012345"),  # new-energy plate keeps its length
    ],
)
def test_canonical_key_maps_each_confusable_group_to_one_class(plate: str, key: str) -> None:
    assert canonical_key(plate) == key


def test_every_member_of_a_group_has_the_same_key() -> None:
    for group in CONFUSABLE_GROUPS:
        keys = {canonical_key(f"蒙B1234{c}") for c in group}
        assert len(keys) == 1, group


# --- scores ---


@pytest.mark.parametrize(
    ("read", "listed_plate", "confidences", "score", "substituted"),
    [
        ("蒙B12345", "蒙B12345", None, 1.0, ()),
        # one confusable substitution: 0.9 at no confidence, 0.5 at full confidence
        ("蒙B1Z345", "蒙B12345", [1.0] * 7, 0.5, (3,)),
        ("蒙B1Z345", "蒙B12345", [0.9, 0.9, 0.9, 0.0, 0.9, 0.9, 0.9], 0.9, (3,)),
        ("蒙B1Z345", "蒙B12345", [0.9, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9], 0.7, (3,)),
        ("蒙B8234S", "蒙BB2345", [1, 1, 0.5, 1, 1, 1, 0.5], 0.49, (2, 6)),  # 0.7 x 0.7
        ("蒙BQ23G5", "蒙B02365", [1, 1, 0.25, 1, 1, 0.75, 1], 0.8 * 0.6, (2, 5)),
        ("蒙BD2345", "蒙B02345", None, 0.5, (2,)),  # no confidences: the strictest score
        ("蒙BD2345", "蒙B02345", [0.2, 0.2], 0.5, (2,)),  # wrong length: as none
    ],
)
def test_match_score_falls_with_each_confident_substitution(
    read: str,
    listed_plate: str,
    confidences: list[float] | None,
    score: float,
    substituted: tuple[int, ...],
) -> None:
    result = match_score(read, listed_plate, confidences)
    assert result is not None
    assert result[0] == pytest.approx(score)
    assert result[1] == substituted


@pytest.mark.parametrize(
    ("read", "listed_plate"),
    [
        ("蒙B12346", "蒙B12345"),  # 6 vs 5: a real difference
        ("蒙B1H345", "蒙B1N345"),  # letters outside every group
        ("京B12345", "蒙B12345"),  # another province
        ("蒙A12345", "蒙B12345"),  # another issuing authority
        ("蒙B1234", "蒙B12345"),  # another length
        ("蒙BD12345", "蒙B12345"),
        ("蒙B8Z345", "蒙BB2346"),  # confusables plus one real difference
    ],
)
def test_real_differences_never_match(read: str, listed_plate: str) -> None:
    assert match_score(read, listed_plate, [0.1] * len(read)) is None


@pytest.mark.parametrize(
    ("confidence", "factor"),
    [(-1.0, 0.9), (0.0, 0.9), (0.25, 0.8), (0.5, 0.7), (1.0, 0.5), (7.0, 0.5)],
)
def test_substitution_factor_is_clamped_and_linear(confidence: float, factor: float) -> None:
    assert substitution_factor(confidence) == pytest.approx(factor)


# --- the index ---


def test_index_finds_a_confusable_read_and_ranks_the_gravest_entry_first() -> None:
    stolen = listed("蒙BB2345", "stolen")
    overdue = listed("蒙BB2345", "overdue_inspection")
    other = listed("蒙B82345", "manual")  # a different real plate in the same bucket
    index = MatchIndex([overdue, stolen, other, listed("蒙B77777")])
    found = index.match("蒙BB2345", [0.99] * 7)
    assert [m.entry for m in found[:2]] == [stolen, overdue]
    assert [m.score for m in found[:2]] == [1.0, 1.0]
    assert found[2].entry == other and found[2].score < 1.0
    # A read of 8 where the list has B (confident): one match each, scored 0.5 or so.
    found = index.match("蒙B82345", [0.99] * 7, min_score=0.5)
    assert found[0].entry == other and found[0].score == 1.0
    assert {m.entry.kind for m in found[1:]} == {"stolen", "overdue_inspection"}


def test_index_respects_min_score_and_expiry() -> None:
    soon = NOW + timedelta(hours=1)
    entry = listed("蒙B12345", "manual", expires_at=soon)
    index = MatchIndex([entry])
    assert index.match("蒙B1Z345", [1.0] * 7, min_score=0.6) == []
    assert len(index.match("蒙B1Z345", [1.0] * 7, min_score=0.5)) == 1
    assert len(index.match("蒙B12345", at=soon - timedelta(seconds=1))) == 1
    assert index.match("蒙B12345", at=soon) == []


def test_index_applies_a_delta_and_replaces_by_id() -> None:
    a, b = listed("蒙B12345"), listed("蒙B55555")
    index = MatchIndex([a, b])
    moved = ListedPlate(a.entry_id, "蒙B99999", "manual")
    index.apply(upserts=[moved], removals=[b.entry_id, uuid.uuid4()])
    assert len(index) == 1
    assert index.match("蒙B12345") == []
    assert index.match("蒙B55555") == []
    assert [m.entry for m in index.match("蒙B99999")] == [moved]
    index.apply(upserts=[], removals=[a.entry_id])
    assert len(index) == 0 and index.match("蒙B99999") == []


def _random_plate(rng: random.Random) -> str:
    return "蒙B" + "".join(rng.choice(SERIAL) for _ in range(5))


def test_no_false_match_on_real_differences_across_a_large_list() -> None:
    rng = random.Random(20261126)
    plates = {_random_plate(rng) for _ in range(20_000)}
    index = MatchIndex(listed(p) for p in plates)
    non_confusable = [c for c in SERIAL if canonical_key(c) == c and c not in "0125689"]
    for plate in list(plates)[:2_000]:
        i = rng.randrange(2, 7)
        replacement = rng.choice([c for c in non_confusable if c != plate[i]])
        mutated = plate[:i] + replacement + plate[i + 1 :]
        for m in index.match(mutated):
            # Only a listed plate that is the same up to confusables may match.
            assert canonical_key(m.entry.plate) == canonical_key(mutated)
            assert m.entry.plate != plate


def test_matching_one_read_against_100k_entries_is_well_under_a_millisecond() -> None:
    rng = random.Random(7)
    index = MatchIndex(listed(_random_plate(rng)) for _ in range(100_000))
    reads = [_random_plate(rng) for _ in range(10_000)]
    confidences = [0.9] * 7
    started = time.perf_counter()
    for read in reads:
        index.match(read, confidences, at=NOW, min_score=0.5)
    per_read_s = (time.perf_counter() - started) / len(reads)
    # Typically a few microseconds; the bound leaves room for a busy shared machine.
    assert per_read_s < 0.0002


# --- one pass ---


@pytest.mark.parametrize(
    ("gap_s", "window_s", "same"),
    [(0, 300, True), (299, 300, True), (300, 300, True), (301, 300, False), (-120, 300, True)],
)
def test_reads_within_the_window_are_one_pass(gap_s: int, window_s: int, same: bool) -> None:
    assert same_pass(NOW, NOW + timedelta(seconds=gap_s), window_s) is same


@pytest.mark.parametrize(("state", "may"), [("pending", True), ("confirmed", False)])
def test_a_hit_is_decided_once(state: str, may: bool) -> None:
    assert hit_may_decide(state) is may
    assert hit_may_decide("rejected") is False


# --- derived reasons ---


@pytest.mark.parametrize(
    ("status", "valid_until", "unprocessed", "kinds"),
    [
        ("normal", date(2027, 1, 31), 0, set()),
        ("normal", TODAY, 0, set()),  # valid through today
        ("normal", TODAY - timedelta(days=1), 0, {"overdue_inspection"}),
        ("stolen", date(2027, 1, 31), 0, {"stolen"}),
        ("stolen", date(2020, 1, 31), 0, {"stolen"}),  # not also overdue
        ("scrapped", date(2020, 1, 31), 6, {"scrapped", "many_unprocessed_violations"}),
        ("seized", date(2027, 1, 31), 0, {"seized"}),
        ("normal", date(2027, 1, 31), 4, set()),
        ("normal", date(2027, 1, 31), 5, {"many_unprocessed_violations"}),
        ("normal", date(2026, 10, 31), 5, {"overdue_inspection", "many_unprocessed_violations"}),
    ],
)
def test_derived_kinds(status: str, valid_until: date, unprocessed: int, kinds: set[str]) -> None:
    found = derived_kinds(
        status=status,
        inspection_valid_until=valid_until,
        unprocessed_violations=unprocessed,
        today=TODAY,
        threshold=5,
    )
    assert {k.value for k in found} == kinds


def test_each_derived_reason_has_a_text_and_a_legal_basis() -> None:
    facts = {"inspection_valid_until": "2026-10-31", "unprocessed": 7, "threshold": 5}
    for kind in ReasonKind:
        if kind is ReasonKind.MANUAL:
            with pytest.raises(ValueError):
                derived_reason(kind, facts)
            continue
        assert derived_reason(kind, facts)
        assert LEGAL_BASIS[kind], kind
    assert "2026-10-31" in derived_reason(ReasonKind.OVERDUE_INSPECTION, facts)
    assert "7起" in derived_reason(ReasonKind.MANY_UNPROCESSED_VIOLATIONS, facts)
    assert any("第54条" in c for c in LEGAL_BASIS[ReasonKind.MANY_UNPROCESSED_VIOLATIONS])


# --- manual entries ---

POLICY = WatchListPolicy(manual_max_days=90)


def test_a_manual_entry_with_reason_owner_and_expiry_is_accepted() -> None:
    reason = check_manual_entry(
        "  涉嫌肇事逃逸车辆  ", "off-kdl", NOW + timedelta(days=30), NOW, POLICY
    )
    assert reason == "涉嫌肇事逃逸车辆"


@pytest.mark.parametrize(
    ("reason", "owner", "expires_at", "code", "why"),
    [
        ("短", "off", NOW + timedelta(days=1), "watchlists.reason_required", None),
        ("x" * 201, "off", NOW + timedelta(days=1), "watchlists.reason_required", None),
        ("涉嫌肇事逃逸", None, NOW + timedelta(days=1), "watchlists.owner_required", None),
        ("涉嫌肇事逃逸", " ", NOW + timedelta(days=1), "watchlists.owner_required", None),
        ("涉嫌肇事逃逸", "off", None, "watchlists.expiry_invalid", "missing"),
        ("涉嫌肇事逃逸", "off", datetime(2026, 12, 1), "watchlists.expiry_invalid", "naive"),  # noqa: DTZ001
        ("涉嫌肇事逃逸", "off", NOW, "watchlists.expiry_invalid", "past"),
        ("涉嫌肇事逃逸", "off", NOW + timedelta(days=91), "watchlists.expiry_invalid", "too_far"),
    ],
)
def test_a_manual_entry_is_refused_without_reason_owner_or_valid_expiry(
    reason: str, owner: str | None, expires_at: datetime | None, code: str, why: str | None
) -> None:
    with pytest.raises(Invalid) as caught:
        check_manual_entry(reason, owner, expires_at, NOW, POLICY)
    assert caught.value.code == code
    assert caught.value.http_status == 422
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)  # zh-CN
    if why is not None:
        assert caught.value.data["reason"] == why
