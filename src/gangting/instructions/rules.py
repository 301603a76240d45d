"""Pure rules of instructions (指令): kinds and what each must name, report results,
deadlines and the sweep's checkpoints, the lifecycle of each target (签收 -> 反馈, or 超时)
and of the instruction as a whole, which step counts as missed, and where an escalation
goes. Stdlib + kernel only; no database, web or MQTT.

These are operating rules of the command centre (ARCHITECTURE.md "Devices" and issue 5 §3),
not legal rules, with one exception: an interception names its grounds, because a traffic
police officer who stops a normally driven vehicle without grounds is disciplined
(道路交通安全法 第115条第(十三)项).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, get_args

from gangting.kernel import law
from gangting.kernel.decision import Reason

# --- kinds, states, results ---------------------------------------------------------------


class InstructionKind(StrEnum):
    INTERCEPT = "intercept"
    ATTEND_HELP_CALL = "attend_help_call"
    CHECK_BOOTH = "check_booth"
    GENERAL = "general"
    ESCALATION = "escalation"


INSTRUCTION_KINDS: tuple[str, ...] = tuple(InstructionKind)
# "escalation" (督办) is written by the deadline sweep only; people issue the other four.
ISSUABLE_KINDS: tuple[str, ...] = ("intercept", "attend_help_call", "check_booth", "general")
KIND_ZH: dict[str, str] = {
    "intercept": "拦截车辆",
    "attend_help_call": "处置求助",
    "check_booth": "检查岗亭",
    "general": "一般指令",
    "escalation": "超时督办",
}


class InstructionState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    COMPLETED = "completed"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


INSTRUCTION_STATES: tuple[str, ...] = tuple(InstructionState)
ACTIVE_STATES = frozenset({"open", "acknowledged", "escalated"})
TERMINAL_STATES = frozenset({"completed", "cancelled", "expired"})
STATE_ZH: dict[str, str] = {
    "open": "待签收",
    "acknowledged": "已签收",
    "completed": "已完成",
    "escalated": "已升级督办",
    "cancelled": "已撤销",
    "expired": "已过期",
}


class TargetState(StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REPORTED = "reported"
    MISSED = "missed"
    CANCELLED = "cancelled"


TARGET_STATES: tuple[str, ...] = tuple(TargetState)
TARGET_STATE_ZH: dict[str, str] = {
    "sent": "待签收",
    "acknowledged": "已签收",
    "reported": "已反馈",
    "missed": "已超时",
    "cancelled": "已撤销",
}

Step = Literal["acknowledge", "report"]
STEPS: tuple[str, ...] = get_args(Step)
STEP_ZH: dict[str, str] = {"acknowledge": "签收", "report": "反馈"}

Completion = Literal["any", "all"]

ResultKind = Literal["intercepted", "not_found", "handled", "normal", "done", "unable"]
RESULT_KINDS: tuple[str, ...] = get_args(ResultKind)
RESULT_ZH: dict[str, str] = {
    "intercepted": "已拦截",
    "not_found": "未发现",
    "handled": "已处置",
    "normal": "检查正常",
    "done": "已完成",
    "unable": "无法执行",
}
RESULTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "intercept": ("intercepted", "not_found", "unable"),
    "attend_help_call": ("handled", "unable"),
    "check_booth": ("normal", "handled", "unable"),
    "general": ("done", "unable"),
    "escalation": ("handled", "unable"),
}

TEXT_MIN = 2
TEXT_MAX = 500
_INTERCEPT_BASIS = law.cite(law.ROAD_LAW, "第115条第(十三)项")


def default_completion(kind: str) -> Completion:
    """When the instruction as a whole is done: a general instruction (a notice to a whole
    squadron) needs every target's report; the others are one task that the first report
    settles (one officer stops the car, one attends the help call)."""
    return "all" if kind == "general" else "any"


def missed_severity(kind: str) -> Literal["high", "medium"]:
    """A missed deadline on an interception or a help call is urgent (a vehicle or a
    citizen is waiting); on anything else it is important."""
    return "high" if kind in ("intercept", "attend_help_call") else "medium"


# --- what an instruction must name -------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What an instruction is about, as given: the plate (compact form), the booth code,
    a confirmed hit, an alert, a help call, and free text for place and direction
    ("沿钢铁大街向北")."""

    plate_no: str | None = None
    booth_code: str | None = None
    hit_id: str | None = None
    alert_id: str | None = None
    help_call_id: str | None = None
    location: str | None = None


def subject_problems(kind: str, text: str, subject: Subject) -> tuple[Reason, ...]:
    """Why an instruction as written cannot be issued (empty when it can).

    - the kind must be one people issue (``ISSUABLE_KINDS``);
    - the text is 2 to 500 characters (after trimming);
    - intercept: names the plate (or a hit, which names it) and its grounds: the hit or the
      text (道路交通安全法 第115条第(十三)项: stopping a normally driven vehicle without
      grounds is an officer's misconduct) — the text is required anyway, so the plate is
      what is checked here;
    - attend_help_call: names the booth or the help call;
    - check_booth: names the booth;
    - general: the text alone.
    """
    problems: list[Reason] = []
    if kind not in ISSUABLE_KINDS:
        problems.append(
            Reason(
                "instructions.kind_invalid",
                "指令类型应为：拦截车辆、处置求助、检查岗亭或一般指令",
                data={"kind": kind},
            )
        )
    size = len(text.strip())
    if size < TEXT_MIN or size > TEXT_MAX:
        problems.append(
            Reason(
                "instructions.text_invalid",
                f"指令内容应为{TEXT_MIN}至{TEXT_MAX}个字",
                data={"length": size},
            )
        )
    if kind == "intercept" and not (subject.plate_no or subject.hit_id):
        problems.append(
            Reason(
                "instructions.plate_required",
                "拦截车辆指令须写明号牌号码（拦截须有依据）",
                (_INTERCEPT_BASIS,),
            )
        )
    if kind == "attend_help_call" and not (subject.booth_code or subject.help_call_id):
        problems.append(Reason("instructions.booth_required", "处置求助指令须写明岗亭或求助记录"))
    if kind == "check_booth" and not subject.booth_code:
        problems.append(Reason("instructions.booth_required", "检查岗亭指令须写明岗亭编号"))
    return tuple(problems)


def intercept_basis(kind: str) -> tuple[str, ...]:
    """The citation an instruction shows beside its grounds (interceptions only)."""
    return (_INTERCEPT_BASIS,) if kind == "intercept" else ()


def report_problems(kind: str, result: str, text: str | None) -> tuple[Reason, ...]:
    """Why a report (反馈) cannot be accepted (empty when it can).

    The result must be one of the kind's results (``RESULTS_BY_KIND``: an interception
    reports 已拦截 / 未发现 / 无法执行, a help call 已处置 / 无法执行 …). "unable" (无法执行)
    must say why in at least 2 characters; other results may come without text. Text is
    at most 500 characters.
    """
    problems: list[Reason] = []
    allowed = RESULTS_BY_KIND.get(kind, ())
    if result not in allowed:
        problems.append(
            Reason(
                "instructions.result_invalid",
                "反馈结果应为：" + "、".join(RESULT_ZH[r] for r in allowed),
                data={"result": result, "allowed": list(allowed)},
            )
        )
    size = len((text or "").strip())
    if result == "unable" and size < TEXT_MIN:
        problems.append(
            Reason("instructions.report_text_required", "选择“无法执行”时须说明原因（至少2个字）")
        )
    if size > TEXT_MAX:
        problems.append(Reason("instructions.report_text_invalid", f"反馈内容不超过{TEXT_MAX}个字"))
    return tuple(problems)


# --- deadlines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlinePolicy:
    """Default time to acknowledge (3 min) and to report (30 min), counted from the issue;
    an instruction not completed ``expire_after_s`` after its report deadline expires (2 h:
    a vehicle to stop is long gone). Per instruction the issuer may shorten or lengthen
    the first two within the bounds below (GANGTING_INSTRUCTION_* settings)."""

    acknowledge_within_s: int = 180
    report_within_s: int = 1800
    expire_after_s: int = 7200


ACKNOWLEDGE_MIN_S = 30
ACKNOWLEDGE_MAX_S = 24 * 3600
REPORT_MIN_S = 60
REPORT_MAX_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Deadlines:
    acknowledge_due_at: datetime
    report_due_at: datetime
    expires_at: datetime


def deadline_problems(acknowledge_within_s: int, report_within_s: int) -> tuple[Reason, ...]:
    """The acknowledgement window is 30 s to 24 h, the report window 60 s to 7 days, and
    the report is never due before the acknowledgement."""
    problems: list[Reason] = []
    if not ACKNOWLEDGE_MIN_S <= acknowledge_within_s <= ACKNOWLEDGE_MAX_S:
        problems.append(
            Reason(
                "instructions.deadline_invalid",
                "签收时限应在30秒至24小时之间",
                data={"acknowledge_within_s": acknowledge_within_s},
            )
        )
    if not REPORT_MIN_S <= report_within_s <= REPORT_MAX_S:
        problems.append(
            Reason(
                "instructions.deadline_invalid",
                "反馈时限应在60秒至7天之间",
                data={"report_within_s": report_within_s},
            )
        )
    if report_within_s < acknowledge_within_s:
        problems.append(
            Reason(
                "instructions.deadline_invalid",
                "反馈时限不能早于签收时限",
                data={
                    "acknowledge_within_s": acknowledge_within_s,
                    "report_within_s": report_within_s,
                },
            )
        )
    return tuple(problems)


def deadlines(
    issued_at: datetime,
    policy: DeadlinePolicy,
    acknowledge_within_s: int | None = None,
    report_within_s: int | None = None,
) -> Deadlines:
    """The instants by which targets acknowledge and report, and when the instruction
    expires: issue + window (the policy's unless given), expiry = report deadline +
    ``policy.expire_after_s``. ``issued_at`` must be aware; the windows are assumed checked
    (``deadline_problems``)."""
    if issued_at.tzinfo is None:
        raise ValueError("naive datetime")
    ack_s = policy.acknowledge_within_s if acknowledge_within_s is None else acknowledge_within_s
    report_s = policy.report_within_s if report_within_s is None else report_within_s
    report_due = issued_at + timedelta(seconds=report_s)
    return Deadlines(
        acknowledge_due_at=issued_at + timedelta(seconds=ack_s),
        report_due_at=report_due,
        expires_at=report_due + timedelta(seconds=policy.expire_after_s),
    )


# The sweep passes three checkpoints in order; an instruction remembers how many it passed.
Checkpoint = Literal["acknowledge", "report", "expire"]
CHECKPOINTS: tuple[Checkpoint, ...] = ("acknowledge", "report", "expire")


def checkpoint_at(dl: Deadlines, checkpoint: str) -> datetime:
    return {
        "acknowledge": dl.acknowledge_due_at,
        "report": dl.report_due_at,
        "expire": dl.expires_at,
    }[checkpoint]


def checkpoints_due(dl: Deadlines, passed: int, now: datetime) -> tuple[Checkpoint, ...]:
    """The checkpoints not yet passed (``passed`` of ``CHECKPOINTS`` are) whose instant has
    come, in order. The deadline instant itself counts as missed (due at 10:03:00 and not
    acknowledged at 10:03:00 is late). ``now`` must be aware."""
    if now.tzinfo is None:
        raise ValueError("naive datetime")
    return tuple(c for c in CHECKPOINTS[passed:] if checkpoint_at(dl, c) <= now)


def next_check_at(dl: Deadlines, passed: int) -> datetime | None:
    """When the sweep must next look at an instruction that passed ``passed`` checkpoints;
    None once all three are passed."""
    if passed >= len(CHECKPOINTS):
        return None
    return checkpoint_at(dl, CHECKPOINTS[passed])


# --- the lifecycle of one target ----------------------------------------------------------

# sent -> acknowledged -> reported; a report without a separate acknowledgement also
# acknowledges. The sweep marks a target missed (with the step it missed); a missed target
# may still act late (the late step stays visible: acknowledged_at > due). Reported and
# cancelled are final.
_TARGET_MOVES: dict[str, frozenset[str]] = {
    "sent": frozenset({"acknowledged", "reported", "missed", "cancelled"}),
    "acknowledged": frozenset({"reported", "missed", "cancelled"}),
    "missed": frozenset({"acknowledged", "reported", "missed", "cancelled"}),
    "reported": frozenset(),
    "cancelled": frozenset(),
}


def target_may_move(state: str, missed_step: str | None, new: str) -> bool:
    """Whether a target in ``state`` (``missed_step``: which step it missed, when missed)
    may move to ``new``.

    - sent -> acknowledged | reported | missed | cancelled;
    - acknowledged -> reported | missed (the report) | cancelled;
    - missed at "acknowledge" -> acknowledged (late) | reported (late) | missed at
      "report" | cancelled;
    - missed at "report" -> reported (late) | cancelled (acknowledging again is no move);
    - reported and cancelled are final.
    """
    if new not in _TARGET_MOVES.get(state, frozenset()):
        return False
    if state == "missed" and new in ("acknowledged", "missed"):
        return missed_step == "acknowledge"
    return True


@dataclass(frozen=True)
class TargetFacts:
    """What the rules need of one target: its state, the step it missed (if missed), and
    whether it acknowledged at some time (in time or late)."""

    state: str
    missed_step: str | None = None
    acknowledged: bool = False


def target_misses(checkpoint: str, target: TargetFacts) -> bool:
    """Whether passing ``checkpoint`` marks this target missed.

    - "acknowledge": a target still "sent" (never acknowledged);
    - "report" and "expire": any target that has not reported and is not cancelled, unless
      it is already marked missed at the report step.
    """
    if checkpoint == "acknowledge":
        return target.state == "sent"
    if target.state in ("reported", "cancelled"):
        return False
    return not (target.state == "missed" and target.missed_step == "report")


# --- the instruction as a whole ------------------------------------------------------------

_INSTRUCTION_MOVES: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "completed", "escalated", "cancelled", "expired"}),
    "acknowledged": frozenset({"completed", "escalated", "cancelled", "expired"}),
    "escalated": frozenset({"completed", "cancelled", "expired"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}


def instruction_may_move(current: str, new: str) -> bool:
    """Whether an instruction in ``current`` may move to ``new``.

    open -> acknowledged -> completed; open or acknowledged -> escalated (a deadline was
    missed) -> completed (a late report); any active state -> cancelled (by a person) or
    expired (by the sweep). Completed, cancelled and expired are final; an escalated
    instruction stays escalated until it completes, even when a target acknowledges late.
    """
    return new in _INSTRUCTION_MOVES.get(current, frozenset())


def _live(targets: Sequence[TargetFacts]) -> list[TargetFacts]:
    return [t for t in targets if t.state != "cancelled"]


def completion_met(targets: Sequence[TargetFacts], completion: str) -> bool:
    """ "any": at least one target reported; "all": every target not cancelled reported
    (and there is at least one)."""
    live = _live(targets)
    if completion == "all":
        return bool(live) and all(t.state == "reported" for t in live)
    return any(t.state == "reported" for t in live)


def state_after_target_move(current: str, targets: Sequence[TargetFacts], completion: str) -> str:
    """The instruction's state after one of its targets moved.

    A final state never changes; completion met -> completed; an escalated instruction
    stays escalated; any target acknowledged or reported -> acknowledged; else open.
    """
    if current in TERMINAL_STATES:
        return current
    if completion_met(targets, completion):
        return "completed"
    if current == "escalated":
        return "escalated"
    if any(t.acknowledged or t.state == "reported" for t in _live(targets)):
        return "acknowledged"
    return "open"


def step_missed(step: str, targets: Sequence[TargetFacts], completion: str) -> bool:
    """Whether the instruction as a whole missed ``step`` at its deadline (and so is
    escalated).

    - "acknowledge", completion "any": nobody acknowledged (or reported);
      completion "all": someone has not acknowledged;
    - "report": the completion is not met.
    """
    live = _live(targets)
    if step == "acknowledge":
        taken = [t.acknowledged or t.state == "reported" for t in live]
        if completion == "all":
            return not taken or not all(taken)
        return not any(taken)
    return not completion_met(targets, completion)


# --- escalation ------------------------------------------------------------------------------

LEADER_ROLES = frozenset({"supervisor", "admin"})


def is_leader(role: str) -> bool:
    """A unit's leaders (中队长, 大队领导, 支队指挥中心) are its staff of supervisor rank and
    above; officers are the ones instructions go to."""
    return role in LEADER_ROLES


def escalation_target(has_leaders: Sequence[bool], after: int | None) -> int | None:
    """Where a missed deadline goes: the index into the unit chain of the missed
    instruction (``has_leaders[0]`` its own unit — for a squadron, the squadron's leader —
    then the brigade, then the detachment), or None when nobody above is left.

    ``after`` None: the missed instruction is an original; its escalation goes to the
    first unit from its own upwards that has leaders (the squadron's leader; a squadron
    without one goes straight to the brigade). ``after`` i: the missed instruction was
    itself an escalation to unit i; it goes to the first unit above i with leaders.
    """
    start = 0 if after is None else after + 1
    for index in range(start, len(has_leaders)):
        if has_leaders[index]:
            return index
    return None


def unit_chain(path: str) -> tuple[str, ...]:
    """The materialised paths from a unit up to the root: "/BT/KDL/KDL-1/" ->
    ("/BT/KDL/KDL-1/", "/BT/KDL/", "/BT/")."""
    parts = [p for p in path.split("/") if p]
    return tuple("/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1))


def common_unit_path(paths: Sequence[str]) -> str:
    """The deepest unit path that every one of ``paths`` lies under ("/BT/KDL/KDL-1/" and
    "/BT/KDL/KDL-2/" -> "/BT/KDL/"). Raises ValueError for no paths or no common root."""
    if not paths:
        raise ValueError("no paths")
    split = [[p for p in path.split("/") if p] for path in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if any(p != parts[0] for p in parts):
            break
        common.append(parts[0])
    if not common:
        raise ValueError("no common unit")
    return "/" + "/".join(common) + "/"
