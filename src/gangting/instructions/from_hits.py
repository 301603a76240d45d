"""Instructions from confirmed watch-list hits (比中 -> 人工确认 -> 拦截指令).

``issue_from_hit`` is what the command-centre screen calls after a person confirmed a hit:
an interception of the listed plate, about the hit's booth and alert, to the officers of
that booth's unit unless other targets are named. ``wire_hit_confirmed`` registers
``instruct_on_confirmed_hit`` on the watch-list's "hit confirmed" hook, for a centre that
wants the interception to go out at the moment of confirmation (once per hit).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from gangting.alerts.models import Alert
from gangting.audit import service as audit
from gangting.booths.models import Booth
from gangting.instructions.errors import HitNotConfirmed, NoTargets, SubjectUnknown
from gangting.instructions.models import Instruction
from gangting.instructions.rules import DeadlinePolicy, Subject
from gangting.instructions.service import IssueRequest, issue_instruction
from gangting.instructions.targeting import Targets
from gangting.kernel.actor import Actor
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.vehicles.rules import InvalidPlate, display_plate
from gangting.watchlists import hits
from gangting.watchlists.models import WatchListEntry, WatchListHit
from gangting.watchlists.rules import REASON_KIND_ZH


def _shown(plate_no: str) -> str:
    try:
        return display_plate(plate_no)
    except InvalidPlate:
        return plate_no


def hit_text(plate_no: str, reason_kind: str, booth: Booth, seen_at: datetime) -> str:
    """ "拦截布控车辆蒙B·12345（被盗抢骗），10:02经过昆都仑…岗亭（BT-KDL-001）"."""
    kind_zh = REASON_KIND_ZH.get(reason_kind, reason_kind)
    seen = seen_at.astimezone(CITY_ZONE).strftime("%H:%M")
    return f"拦截布控车辆{_shown(plate_no)}（{kind_zh}），{seen}经过{booth.name}（{booth.code}）"


def issue_from_hit(
    uow: UnitOfWork,
    actor: Actor,
    hit_id: uuid.UUID,
    policy: DeadlinePolicy,
    *,
    text: str | None = None,
    location: str | None = None,
    targets: Targets | None = None,
    acknowledge_within_s: int | None = None,
    report_within_s: int | None = None,
    source_key: str | None = None,
    automatic: bool = False,
) -> Instruction:
    """An interception from a confirmed hit: plate, booth and the hit's alert come from
    the hit; the text defaults to ``hit_text`` (plus ``location``: where it is heading);
    the targets default to the officers of the booth's unit. Refused while the hit is
    pending or after it was rejected (409 instructions.hit_not_confirmed)."""
    row = uow.session.execute(
        select(WatchListHit, WatchListEntry, Booth)
        .join(WatchListEntry, WatchListEntry.id == WatchListHit.entry_id)
        .join(Booth, Booth.id == WatchListHit.booth_id)
        .where(WatchListHit.id == hit_id)
    ).first()
    if row is None:
        raise SubjectUnknown("没有该比中记录", data={"hit": str(hit_id)})
    hit, entry, booth = row
    if hit.state != "confirmed":
        raise HitNotConfirmed(
            "比中尚未经人工确认（或已否定），不能据此下发指令",
            data={"hit": str(hit.id), "state": hit.state},
        )
    alert_id = uow.session.execute(
        select(Alert.id)
        .where(Alert.subject_kind == "watch_list_hit", Alert.subject_id == str(hit.id))
        .order_by(Alert.raised_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    place = (location or "").strip() or None
    body = (text or "").strip() or hit_text(hit.plate_no, entry.reason_kind, booth, hit.seen_at)
    if place and not text:
        body = f"{body}，{place}"
    request = IssueRequest(
        kind="intercept",
        text=body,
        targets=targets or Targets(booth=booth.code),
        subject=Subject(
            plate_no=hit.plate_no,
            booth_code=booth.code,
            hit_id=str(hit.id),
            alert_id=str(alert_id) if alert_id is not None else None,
            location=place,
        ),
        acknowledge_within_s=acknowledge_within_s,
        report_within_s=report_within_s,
    )
    return issue_instruction(
        uow, actor, request, policy, source_key=source_key, automatic=automatic
    )


def instruct_on_confirmed_hit(policy: DeadlinePolicy) -> hits.HitConfirmedListener:
    """A "hit confirmed" listener: the interception goes out in the confirming unit of
    work, issued in the name of the person who confirmed, once per hit (source key
    "hit:<id>"). A booth whose unit has no officer on duty does not block the
    confirmation: the skip is audited and the centre issues by hand."""

    def listener(uow: UnitOfWork, actor: Actor, hit: hits.ConfirmedHit) -> None:
        key = f"hit:{hit.hit_id}"
        if uow.session.execute(select(Instruction.id).where(Instruction.source_key == key)).first():
            return
        try:
            with uow.session.begin_nested():
                issue_from_hit(uow, actor, hit.hit_id, policy, source_key=key, automatic=True)
        except NoTargets as exc:
            audit.record(
                uow,
                actor,
                "instruction.auto_skipped",
                "watch_list_hit",
                hit.hit_id,
                reason=exc.message,
                data=exc.data,
            )

    return listener


_wired: list[Callable[[], None]] = []


def wire_hit_confirmed(policy: DeadlinePolicy) -> Callable[[], None]:
    """Register the automatic interception on the watch-list hook (once per process:
    wiring again replaces the earlier listener). Returns the function that removes it."""
    unwire_hit_confirmed()
    remove = hits.listen_hit_confirmed(instruct_on_confirmed_hit(policy))
    _wired.append(remove)
    return unwire_hit_confirmed


def unwire_hit_confirmed() -> None:
    while _wired:
        _wired.pop()()
