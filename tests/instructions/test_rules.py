"""Pure rules of instructions: what each kind must name, report results, deadlines and
checkpoints, the lifecycle of targets and of the whole, missed steps, escalation.
No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gangting.instructions.rules import (
    DeadlinePolicy,
    Deadlines,
    Subject,
    TargetFacts,
    checkpoints_due,
    common_unit_path,
    completion_met,
    deadline_problems,
    deadlines,
    default_completion,
    escalation_target,
    instruction_may_move,
    is_leader,
    missed_severity,
    next_check_at,
    report_problems,
    state_after_target_move,
    step_missed,
    subject_problems,
    target_may_move,
    target_misses,
    unit_chain,
)

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Baotou
DL = Deadlines(
    acknowledge_due_at=T0 + timedelta(minutes=3),
    report_due_at=T0 + timedelta(minutes=30),
    expires_at=T0 + timedelta(minutes=150),
)


def _codes(reasons: tuple[object, ...]) -> list[str]:
    return [r.code for r in reasons]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "text", "subject", "codes"),
    [
        ("intercept", "蒙B·12345 沿钢铁大街向北", Subject(plate_no="蒙B12345"), []),
        ("intercept", "拦截可疑车辆", Subject(), ["instructions.plate_required"]),
        ("intercept", "拦截比中车辆", Subject(hit_id="h"), []),  # the hit names the plate
        ("attend_help_call", "处置求助", Subject(booth_code="BT-KDL-003"), []),
        ("attend_help_call", "处置求助", Subject(help_call_id="x"), []),
        ("attend_help_call", "处置求助", Subject(), ["instructions.booth_required"]),
        ("check_booth", "检查机柜门", Subject(booth_code="BT-KDL-001"), []),
        ("check_booth", "检查机柜门", Subject(), ["instructions.booth_required"]),
        ("general", "今晚加强巡逻", Subject(), []),
        ("general", "好", Subject(), ["instructions.text_invalid"]),
        ("general", "  好  ", Subject(), ["instructions.text_invalid"]),  # trimmed
        ("general", "长" * 501, Subject(), ["instructions.text_invalid"]),
        ("escalation", "督办", Subject(), ["instructions.kind_invalid"]),  # the sweep's only
        ("patrol", "巡逻", Subject(), ["instructions.kind_invalid"]),
        ("intercept", "x", Subject(), ["instructions.text_invalid", "instructions.plate_required"]),
    ],
)
def test_what_each_kind_must_name(kind: str, text: str, subject: Subject, codes: list[str]) -> None:
    assert _codes(subject_problems(kind, text, subject)) == codes


def test_an_interception_without_a_plate_cites_its_legal_ground() -> None:
    (reason,) = subject_problems("intercept", "拦截可疑车辆", Subject())
    assert reason.legal_basis == ("《中华人民共和国道路交通安全法》 第115条第(十三)项",)


@pytest.mark.parametrize(
    ("kind", "result", "text", "codes"),
    [
        ("intercept", "intercepted", None, []),
        ("intercept", "not_found", "沿途未发现", []),
        ("intercept", "unable", "警力不足", []),
        ("intercept", "unable", " ", ["instructions.report_text_required"]),
        ("intercept", "handled", None, ["instructions.result_invalid"]),
        ("attend_help_call", "handled", "已协助市民办理", []),
        ("attend_help_call", "intercepted", None, ["instructions.result_invalid"]),
        ("check_booth", "normal", None, []),
        ("general", "done", None, []),
        ("escalation", "handled", "已电话督促", []),
        ("general", "done", "长" * 501, ["instructions.report_text_invalid"]),
        ("general", "bogus", None, ["instructions.result_invalid"]),
    ],
)
def test_what_a_report_must_say(kind: str, result: str, text: str | None, codes: list[str]) -> None:
    assert _codes(report_problems(kind, result, text)) == codes


@pytest.mark.parametrize(
    ("ack_s", "report_s", "problems"),
    [
        (180, 1800, 0),
        (30, 60, 0),
        (29, 1800, 1),
        (180, 59, 2),  # below the minimum and before the acknowledgement
        (600, 300, 1),  # the report cannot be due before the acknowledgement
        (24 * 3600 + 1, 7 * 24 * 3600, 1),
        (180, 7 * 24 * 3600 + 1, 1),
    ],
)
def test_deadline_windows_are_bounded(ack_s: int, report_s: int, problems: int) -> None:
    assert len(deadline_problems(ack_s, report_s)) == problems


def test_deadlines_default_to_three_and_thirty_minutes_and_expire_two_hours_later() -> None:
    assert deadlines(T0, DeadlinePolicy()) == DL
    custom = deadlines(T0, DeadlinePolicy(), acknowledge_within_s=60, report_within_s=600)
    assert custom.acknowledge_due_at == T0 + timedelta(seconds=60)
    assert custom.report_due_at == T0 + timedelta(seconds=600)
    assert custom.expires_at == T0 + timedelta(seconds=600 + 7200)
    with pytest.raises(ValueError):
        deadlines(T0.replace(tzinfo=None), DeadlinePolicy())


@pytest.mark.parametrize(
    ("passed", "now", "due", "next_at"),
    [
        (0, T0, (), DL.acknowledge_due_at),
        (0, DL.acknowledge_due_at - timedelta(seconds=1), (), DL.acknowledge_due_at),
        (0, DL.acknowledge_due_at, ("acknowledge",), DL.acknowledge_due_at),  # the instant is late
        (1, DL.acknowledge_due_at, (), DL.report_due_at),
        (0, DL.report_due_at, ("acknowledge", "report"), DL.acknowledge_due_at),  # a late sweep
        (2, DL.report_due_at, (), DL.expires_at),
        (0, DL.expires_at, ("acknowledge", "report", "expire"), DL.acknowledge_due_at),
        (3, DL.expires_at + timedelta(days=1), (), None),
    ],
)
def test_checkpoints_come_in_order_once(
    passed: int, now: datetime, due: tuple[str, ...], next_at: datetime | None
) -> None:
    assert checkpoints_due(DL, passed, now) == due
    assert next_check_at(DL, passed) == next_at


@pytest.mark.parametrize(
    ("state", "missed_step", "new", "allowed"),
    [
        ("sent", None, "acknowledged", True),
        ("sent", None, "reported", True),  # a report acknowledges too
        ("sent", None, "missed", True),
        ("acknowledged", None, "reported", True),
        ("acknowledged", None, "acknowledged", False),  # twice is no move
        ("acknowledged", None, "missed", True),  # the report deadline
        ("missed", "acknowledge", "acknowledged", True),  # late
        ("missed", "acknowledge", "reported", True),
        ("missed", "acknowledge", "missed", True),  # then misses the report too
        ("missed", "report", "acknowledged", False),  # it had acknowledged already
        ("missed", "report", "missed", False),
        ("missed", "report", "reported", True),  # late
        ("reported", None, "acknowledged", False),
        ("reported", None, "cancelled", False),  # a report stands
        ("cancelled", None, "acknowledged", False),
        ("sent", None, "cancelled", True),
        ("sent", None, "bogus", False),
    ],
)
def test_target_lifecycle(state: str, missed_step: str | None, new: str, allowed: bool) -> None:
    assert target_may_move(state, missed_step, new) is allowed


@pytest.mark.parametrize(
    ("checkpoint", "target", "misses"),
    [
        ("acknowledge", TargetFacts("sent"), True),
        ("acknowledge", TargetFacts("acknowledged", acknowledged=True), False),
        ("acknowledge", TargetFacts("reported", acknowledged=True), False),
        ("report", TargetFacts("sent"), True),
        ("report", TargetFacts("acknowledged", acknowledged=True), True),
        ("report", TargetFacts("missed", "acknowledge"), True),
        ("report", TargetFacts("missed", "report", True), False),  # already marked
        ("report", TargetFacts("reported", acknowledged=True), False),
        ("report", TargetFacts("cancelled"), False),
        ("expire", TargetFacts("acknowledged", acknowledged=True), True),
        ("expire", TargetFacts("missed", "report", True), False),
    ],
)
def test_which_targets_a_checkpoint_marks_missed(
    checkpoint: str, target: TargetFacts, misses: bool
) -> None:
    assert target_misses(checkpoint, target) is misses


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("open", "acknowledged", True),
        ("open", "completed", True),
        ("open", "escalated", True),
        ("acknowledged", "escalated", True),
        ("escalated", "completed", True),  # a late report
        ("escalated", "acknowledged", False),  # stays escalated until it completes
        ("acknowledged", "open", False),
        ("completed", "cancelled", False),
        ("cancelled", "open", False),
        ("expired", "completed", False),
        ("open", "expired", True),
        ("escalated", "cancelled", True),
    ],
)
def test_instruction_lifecycle(current: str, new: str, allowed: bool) -> None:
    assert instruction_may_move(current, new) is allowed


SENT = TargetFacts("sent")
ACKED = TargetFacts("acknowledged", acknowledged=True)
REPORTED = TargetFacts("reported", acknowledged=True)
MISSED_ACK = TargetFacts("missed", "acknowledge")
LATE_ACK = TargetFacts("acknowledged", acknowledged=True)
CANCELLED = TargetFacts("cancelled")


@pytest.mark.parametrize(
    ("current", "targets", "completion", "new"),
    [
        ("open", [SENT, SENT], "any", "open"),
        ("open", [ACKED, SENT], "any", "acknowledged"),
        ("acknowledged", [REPORTED, SENT], "any", "completed"),
        ("acknowledged", [REPORTED, ACKED], "all", "acknowledged"),
        ("acknowledged", [REPORTED, REPORTED], "all", "completed"),
        ("acknowledged", [REPORTED, CANCELLED], "all", "completed"),
        ("escalated", [LATE_ACK, MISSED_ACK], "any", "escalated"),
        ("escalated", [REPORTED, MISSED_ACK], "any", "completed"),
        ("cancelled", [REPORTED], "any", "cancelled"),  # final
        ("expired", [REPORTED], "any", "expired"),
    ],
)
def test_the_whole_follows_its_targets(
    current: str, targets: list[TargetFacts], completion: str, new: str
) -> None:
    assert state_after_target_move(current, targets, completion) == new


@pytest.mark.parametrize(
    ("step", "targets", "completion", "missed"),
    [
        ("acknowledge", [SENT, SENT], "any", True),
        ("acknowledge", [MISSED_ACK, MISSED_ACK], "any", True),
        ("acknowledge", [ACKED, MISSED_ACK], "any", False),  # one officer took it
        ("acknowledge", [ACKED, MISSED_ACK], "all", True),  # everyone must
        ("acknowledge", [REPORTED, ACKED], "all", False),
        ("acknowledge", [CANCELLED, ACKED], "all", False),
        ("report", [ACKED, SENT], "any", True),
        ("report", [REPORTED, SENT], "any", False),
        ("report", [REPORTED, ACKED], "all", True),
    ],
)
def test_when_the_instruction_missed_a_step(
    step: str, targets: list[TargetFacts], completion: str, missed: bool
) -> None:
    assert step_missed(step, targets, completion) is missed
    assert completion_met([REPORTED], completion)


def test_completion_and_severity_by_kind() -> None:
    assert [default_completion(k) for k in ("intercept", "general", "escalation")] == [
        "any",
        "all",
        "any",
    ]
    assert missed_severity("intercept") == "high"
    assert missed_severity("attend_help_call") == "high"
    assert missed_severity("check_booth") == "medium"
    assert not completion_met([CANCELLED], "all")


@pytest.mark.parametrize(
    ("has_leaders", "after", "target"),
    [
        # squadron, brigade, detachment
        ([True, True, True], None, 0),  # the squadron's leader first
        ([False, True, True], None, 1),  # no squadron leader: the brigade
        ([True, True, True], 0, 1),  # the leader's escalation missed: the brigade
        ([True, True, True], 1, 2),  # then the detachment
        ([True, True, True], 2, None),  # nobody above the detachment
        ([True, False, True], 0, 2),  # a brigade without leaders is skipped
        ([False, False, False], None, None),
        ([True], None, 0),
    ],
)
def test_escalation_goes_up_the_tree(
    has_leaders: list[bool], after: int | None, target: int | None
) -> None:
    assert escalation_target(has_leaders, after) == target


def test_unit_paths() -> None:
    assert unit_chain("/BT/KDL/KDL-1/") == ("/BT/KDL/KDL-1/", "/BT/KDL/", "/BT/")
    assert unit_chain("/BT/") == ("/BT/",)
    assert common_unit_path(["/BT/KDL/KDL-1/", "/BT/KDL/KDL-2/"]) == "/BT/KDL/"
    assert common_unit_path(["/BT/KDL/KDL-1/", "/BT/KDL/KDL-1/"]) == "/BT/KDL/KDL-1/"
    assert common_unit_path(["/BT/KDL/KDL-1/", "/BT/QS/"]) == "/BT/"
    assert common_unit_path(["/BT/KDL/", "/BT/KDL/KDL-1/"]) == "/BT/KDL/"
    with pytest.raises(ValueError):
        common_unit_path(["/BT/", "/OTHER/"])
    with pytest.raises(ValueError):
        common_unit_path([])
    assert [is_leader(r) for r in ("officer", "supervisor", "admin")] == [False, True, True]
