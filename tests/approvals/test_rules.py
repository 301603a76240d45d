"""The two-keys rule, pure: who may decide, once, and before the request expires."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gangting.approvals.errors import AlreadyDecided, ApprovalExpired, NoteRequired, SamePerson
from gangting.approvals.rules import (
    ApprovalState,
    check_decidable,
    check_not_expired,
    effective_state,
    note_text,
)
from gangting.kernel.errors import DomainError

AT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
MAKER, CHECKER = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("state", "checker", "error"),
    [
        (ApprovalState.PENDING, CHECKER, None),
        (ApprovalState.PENDING, MAKER, SamePerson),
        (ApprovalState.PENDING, None, SamePerson),
        (ApprovalState.EXECUTED, CHECKER, AlreadyDecided),
        (ApprovalState.REJECTED, CHECKER, AlreadyDecided),
        (ApprovalState.EXPIRED, CHECKER, AlreadyDecided),
        (ApprovalState.EXECUTED, MAKER, AlreadyDecided),  # decided first, whoever asks
    ],
)
def test_a_request_is_decided_once_and_never_by_its_maker(
    state: ApprovalState, checker: uuid.UUID | None, error: type[DomainError] | None
) -> None:
    if error is None:
        check_decidable(state, MAKER, checker)
        return
    with pytest.raises(error) as caught:
        check_decidable(state, MAKER, checker)
    assert caught.value.message


@pytest.mark.parametrize(
    ("now", "state", "expired"),
    [
        (AT - timedelta(seconds=1), ApprovalState.PENDING, False),
        (AT, ApprovalState.PENDING, True),  # the instant itself: expired
        (AT + timedelta(days=1), ApprovalState.PENDING, True),
        (AT + timedelta(days=1), ApprovalState.EXECUTED, False),  # decided in time: stays so
    ],
)
def test_a_pending_request_expires_at_its_instant(
    now: datetime, state: ApprovalState, expired: bool
) -> None:
    assert (effective_state(state, AT, now) == ApprovalState.EXPIRED) is expired
    if expired:
        with pytest.raises(ApprovalExpired):
            check_not_expired(state, AT, now)
    else:
        check_not_expired(state, AT, now)


def test_codes_and_statuses_are_stable() -> None:
    assert (SamePerson.code, SamePerson.http_status) == ("approvals.same_person", 403)
    assert (ApprovalExpired.code, ApprovalExpired.http_status) == ("approvals.expired", 409)
    assert (AlreadyDecided.code, AlreadyDecided.http_status) == ("approvals.decided", 409)


@pytest.mark.parametrize(
    ("note", "required", "expected"),
    [(" 同意 ", False, "同意"), (None, False, None), ("  ", False, None), ("理由", True, "理由")],
)
def test_notes_are_trimmed(note: str | None, required: bool, expected: str | None) -> None:
    assert note_text(note, required=required) == expected


@pytest.mark.parametrize("note", [None, "", "否", "  否  "])
def test_a_rejection_says_why(note: str | None) -> None:
    with pytest.raises(NoteRequired):
        note_text(note, required=True)
