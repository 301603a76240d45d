"""Quick settlements (事故快处): open one for two identified parties, add the photos that fix
the evidence, issue the agreement once both confirm (its content checked against 第21条,
fingerprinted, written with one delivery row per recipient), mark a disputed one referred,
send the deliveries after commit (and again from the worker for what a crash left pending),
and show settlements to the parties and to the accident unit.

Each write is audited in the caller's unit of work. The cross-domain parts (identity,
licences, vehicles, the referral, the application filed) are the desk's
(``gangting.desks.accidents``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gangting.accidents.errors import (
    AgreementIncomplete,
    PhotosInvalid,
    PhotosRequired,
    SettlementClosed,
    SettlementNotFound,
)
from gangting.accidents.models import (
    AccidentAgreement,
    AccidentDelivery,
    AccidentParty,
    AccidentPhoto,
    AccidentSettlement,
)
from gangting.accidents.rules import (
    AGREEMENT_BASIS,
    FORM_ZH,
    KIND_ZH,
    LIABILITY_BASIS,
    LIABILITY_ZH,
    PART_ZH,
    PERFORMANCE_BASIS,
    PHOTOS_MAX,
    PHOTOS_MIN,
    SELF_SETTLE_BASIS,
    STATE_ZH,
    WEATHER_ZH,
    Form,
    Liability,
    LiabilityTable,
    Part,
    SettlementState,
    Weather,
    agreement_text,
    content_sha256,
    missing_fields,
)
from gangting.audit import service as audit
from gangting.citizens.models import Citizen
from gangting.citizens.rules import mask_id_number, mask_name, mask_phone
from gangting.integrations.insurers import InsurerPort
from gangting.integrations.notifications import Notifier
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.ids import new_id, reference
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import AccidentRecord
from gangting.staff.models import OrgUnit
from gangting.staff.scope import scope_filter
from gangting.staff.service import require_role
from gangting.vehicles.rules import VehicleKind

log = logging.getLogger("gangting.accidents")
SETTLEMENT_PREFIX = "KC"  # 快处
AGREEMENT_PREFIX = "XY"  # 协议
PACKAGED_TABLE = "data/liability_cases.json"
PHOTO_SOURCES = frozenset({"booth_camera", "upload"})
_HEX = frozenset("0123456789abcdef")


@lru_cache(maxsize=4)
def liability_table(path: str = "") -> LiabilityTable:
    """The case table at ``path`` (GANGTING_ACCIDENT_LIABILITY_TABLE_PATH), or the packaged
    EXAMPLE when empty. Read once per path."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("gangting.accidents").joinpath(PACKAGED_TABLE).read_text("utf-8")
    return LiabilityTable.from_json(text)


@dataclass(frozen=True)
class Facts:
    """The accident's 第21条 facts as the parties state them."""

    occurred_at: datetime
    place: str
    weather: Weather
    form: Form


@dataclass(frozen=True)
class PartyEntry:
    """One identified party with its side's 第21条 items."""

    citizen: Citizen
    identity_ref: str  # the hash of the identity token the party presented
    licence_or_id_no: str
    phone: str
    plate_no: str
    vehicle_kind: VehicleKind
    insurer: str
    policy_no: str
    collision_part: Part


@dataclass(frozen=True)
class Photo:
    source: str
    ref: str
    sha256: str


def open_settlement(
    uow: UnitOfWork,
    actor: Actor,
    unit: OrgUnit,
    facts: Facts,
    parties: Sequence[PartyEntry],
    answers: dict[str, bool],
    photos: Sequence[Photo] = (),
) -> AccidentSettlement:
    """A drafted settlement of ``parties`` (in order: party 1 files it), eligibility already
    decided by the caller (rules.eligibility)."""
    now = uow.clock.now()
    settlement = AccidentSettlement(
        id=new_id(),
        settlement_no=reference(SETTLEMENT_PREFIX, now),
        state=SettlementState.DRAFTED,
        booth_id=actor.booth_id,
        org_unit_id=unit.id,
        occurred_at=facts.occurred_at,
        place=facts.place,
        weather=facts.weather,
        form=facts.form,
        answers=dict(answers),
        created_at=now,
    )
    uow.session.add(settlement)
    uow.session.flush()
    for seq, p in enumerate(parties, start=1):
        uow.session.add(
            AccidentParty(
                settlement_id=settlement.id,
                seq=seq,
                citizen_id=p.citizen.id,
                identity_ref=p.identity_ref,
                licence_or_id_no=p.licence_or_id_no,
                phone=p.phone,
                plate_no=p.plate_no,
                vehicle_kind=p.vehicle_kind.value,
                insurer=p.insurer,
                policy_no=p.policy_no,
                collision_part=p.collision_part,
            )
        )
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "accident.drafted",
        "accident_settlement",
        settlement.settlement_no,
        data={"unit": unit.code, "plates": [p.plate_no for p in parties]},
    )
    if photos:
        add_photos(uow, actor, settlement, photos)
    return settlement


def _checked_photo(photo: Photo) -> Photo:
    ref, digest = photo.ref.strip(), photo.sha256.strip().lower()
    if (
        photo.source not in PHOTO_SOURCES
        or not 1 <= len(ref) <= 128
        or len(digest) != 64
        or not set(digest) <= _HEX
    ):
        raise PhotosInvalid(
            "照片须注明来源（岗亭摄像头或上传），编号不超过128个字符，并附SHA-256校验值",
            data={"ref": ref[:128]},
        )
    return Photo(photo.source, ref, digest)


def add_photos(
    uow: UnitOfWork, actor: Actor, settlement: AccidentSettlement, photos: Sequence[Photo]
) -> list[AccidentPhoto]:
    """Add the photos (第19条: 现场拍照固定证据) not already on the settlement (same SHA-256:
    the same image, kept once); at most PHOTOS_MAX in all."""
    require_open(settlement)
    checked = [_checked_photo(p) for p in photos]
    have = set(
        uow.session.execute(
            select(AccidentPhoto.sha256).where(AccidentPhoto.settlement_id == settlement.id)
        ).scalars()
    )
    new = list({p.sha256: p for p in checked if p.sha256 not in have}.values())
    if len(have) + len(new) > PHOTOS_MAX:
        raise PhotosInvalid(f"每起事故最多{PHOTOS_MAX}张照片", data={"max": PHOTOS_MAX})
    rows = [
        AccidentPhoto(
            settlement_id=settlement.id,
            source=p.source,
            ref=p.ref,
            sha256=p.sha256,
            taken_at=uow.clock.now(),
        )
        for p in new
    ]
    uow.session.add_all(rows)
    uow.session.flush()
    if rows:
        audit.record(
            uow,
            actor,
            "accident.photos_added",
            "accident_settlement",
            settlement.settlement_no,
            data={"sha256": [r.sha256 for r in rows]},
        )
    return rows


def require_open(settlement: AccidentSettlement) -> None:
    if settlement.state != SettlementState.DRAFTED:
        raise SettlementClosed(
            f"该事故快处已{STATE_ZH[settlement.state]}，不能再修改",
            data={"settlement_no": settlement.settlement_no, "state": settlement.state.value},
        )


def find_settlement(
    uow: UnitOfWork, settlement_no: str, *, lock: bool = False
) -> AccidentSettlement:
    query = select(AccidentSettlement).where(AccidentSettlement.settlement_no == settlement_no)
    found = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if found is None:
        raise SettlementNotFound("未查询到该事故快处", data={"settlement_no": settlement_no})
    return found


def parties_of(uow: UnitOfWork, settlement: AccidentSettlement) -> list[AccidentParty]:
    return list(
        uow.session.execute(
            select(AccidentParty)
            .where(AccidentParty.settlement_id == settlement.id)
            .order_by(AccidentParty.seq)
        ).scalars()
    )


def party_settlement(
    uow: UnitOfWork, settlement_no: str, citizen_ids: Sequence[uuid.UUID], *, lock: bool = False
) -> AccidentSettlement:
    """The settlement, when every one of ``citizen_ids`` is one of its parties (else 404:
    a stranger learns nothing of it)."""
    settlement = find_settlement(uow, settlement_no, lock=lock)
    mine = {p.citizen_id for p in parties_of(uow, settlement)}
    if not set(citizen_ids) <= mine:
        raise SettlementNotFound("未查询到该事故快处", data={"settlement_no": settlement_no})
    return settlement


def photos_of(uow: UnitOfWork, settlement: AccidentSettlement) -> list[AccidentPhoto]:
    return list(
        uow.session.execute(
            select(AccidentPhoto)
            .where(AccidentPhoto.settlement_id == settlement.id)
            .order_by(AccidentPhoto.taken_at, AccidentPhoto.sha256)
        ).scalars()
    )


def agreement_of(uow: UnitOfWork, settlement: AccidentSettlement) -> AccidentAgreement | None:
    return uow.session.execute(
        select(AccidentAgreement).where(AccidentAgreement.settlement_id == settlement.id)
    ).scalar_one_or_none()


def _local(at: datetime) -> str:
    return at.astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M")


def agreement_content(
    uow: UnitOfWork,
    settlement: AccidentSettlement,
    agreement_no: str,
    case_title: str | None,
) -> dict[str, Any]:
    """The agreement as issued: the 第21条 items in full (it is the parties' own document),
    the photos' fingerprints, and the legal basis of settling and paying."""
    parties = []
    for p in parties_of(uow, settlement):
        citizen = uow.session.get(Citizen, p.citizen_id)
        kind = VehicleKind(p.vehicle_kind)
        parties.append(
            {
                "seq": p.seq,
                "name": citizen.name if citizen is not None else "",
                "licence_or_id_no": p.licence_or_id_no,
                "phone": p.phone,
                "vehicle_kind": KIND_ZH[kind],
                "plate_no": p.plate_no,
                "insurer": p.insurer,
                "policy_no": p.policy_no,
                "collision_part": PART_ZH[p.collision_part],
                "liability": LIABILITY_ZH[p.liability] if p.liability is not None else "",
            }
        )
    return {
        "title": "道路交通事故自行协商协议书",
        "agreement_no": agreement_no,
        "settlement_no": settlement.settlement_no,
        "occurred_at": _local(settlement.occurred_at),
        "place": settlement.place,
        "weather": WEATHER_ZH[settlement.weather],
        "form": FORM_ZH[settlement.form],
        "case": case_title or "双方协商确定",
        "parties": parties,
        "photos": [p.sha256 for p in photos_of(uow, settlement)],
        "compensation": "当事人自行赔偿，或者到投保的保险公司办理损害赔偿事宜",
        "legal_basis": [SELF_SETTLE_BASIS, AGREEMENT_BASIS, PERFORMANCE_BASIS, *LIABILITY_BASIS],
    }


def issue_agreement(
    uow: UnitOfWork,
    actor: Actor,
    settlement: AccidentSettlement,
    split: tuple[Liability, Liability],
    case_code: str | None,
    case_title: str | None,
) -> AccidentAgreement:
    """Both parties confirmed ``split``: set each party's liability, issue the agreement
    (complete per 第21条, fingerprinted) with one pending delivery per party (SMS) and per
    party's insurer, write each driver's accident record (property only, processed), and
    close the settlement as agreed. The settlement is locked by the
    caller; a closed one is refused (accidents.closed), so a second agreement is never
    issued (and the unique settlement_id would refuse one anyway)."""
    require_open(settlement)
    if len(photos_of(uow, settlement)) < PHOTOS_MIN:
        raise PhotosRequired(
            "请先拍摄或上传事故现场、车辆碰撞部位的照片，固定证据",
            legal_basis=[SELF_SETTLE_BASIS],
        )
    parties = parties_of(uow, settlement)
    for party, liability in zip(parties, split, strict=True):
        party.liability = liability
    settlement.liability_case = case_code
    now = uow.clock.now()
    agreement_no = reference(AGREEMENT_PREFIX, now)
    content = agreement_content(uow, settlement, agreement_no, case_title)
    missing = missing_fields(content)
    if missing:
        raise AgreementIncomplete(
            "协议书缺少以下内容：" + "、".join(missing),
            data={"missing": missing},
            legal_basis=[AGREEMENT_BASIS],
        )
    agreement = AccidentAgreement(
        id=new_id(),
        agreement_no=agreement_no,
        settlement_id=settlement.id,
        content=content,
        content_sha256=content_sha256(content),
        issued_at=now,
    )
    uow.session.add(agreement)
    uow.session.flush()
    for p in parties:
        for recipient, channel, address in (
            (f"party_{p.seq}", "sms", p.phone),
            (f"insurer_{p.seq}", "insurer", p.insurer),
        ):
            uow.session.add(
                AccidentDelivery(
                    delivery_no=f"{agreement_no}-{recipient}",
                    agreement_id=agreement.id,
                    recipient=recipient,
                    channel=channel,
                    address=address,
                    state="pending",
                )
            )
    occurred_on = settlement.occurred_at.astimezone(CITY_ZONE).date()
    for p in parties:
        # the driver's accident record (what the review, 审验, reads): property only, settled
        uow.session.add(
            AccidentRecord(
                citizen_id=p.citizen_id,
                accident_no=f"{agreement_no}-{p.seq}",
                occurred_on=occurred_on,
                deaths=0,
                serious_injuries=0,
                liability=p.liability,
                processed=True,
            )
        )
    settlement.state = SettlementState.AGREED
    settlement.closed_at = now
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "accident.agreed",
        "accident_settlement",
        settlement.settlement_no,
        data={
            "agreement_no": agreement_no,
            "content_sha256": agreement.content_sha256,
            "case": case_code,
            "liability": [x.value for x in split],
        },
    )
    return agreement


def mark_referred(
    uow: UnitOfWork, actor: Actor, settlement: AccidentSettlement, referral_no: str, reason: str
) -> None:
    """A party disagrees (disputed): the settlement is referred to the accident unit under
    ``referral_no`` (第20条: 申请公安机关交通管理部门确定当事人的责任)."""
    require_open(settlement)
    settlement.state = SettlementState.DISPUTED
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "accident.disputed",
        "accident_settlement",
        settlement.settlement_no,
        reason=reason,
    )
    settlement.state = SettlementState.REFERRED
    settlement.referral_no = referral_no
    settlement.closed_at = uow.clock.now()
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "accident.referred",
        "accident_settlement",
        settlement.settlement_no,
        data={"referral_no": referral_no},
    )


# --- deliveries -------------------------------------------------------------------------------


def _document(agreement: AccidentAgreement) -> dict[str, Any]:
    return {
        "agreement_no": agreement.agreement_no,
        "content_sha256": agreement.content_sha256,
        "content": agreement.content,
    }


def deliver_pending(
    new_uow: Callable[[], UnitOfWork],
    notifier: Notifier | None,
    insurers: InsurerPort | None,
    *,
    agreement_id: uuid.UUID | None = None,
    limit: int = 100,
) -> int:
    """Send the pending deliveries (of one agreement, or any), each in its own unit of work
    with its row locked, marking it sent; a failed send stays pending for the next run.
    Returns how many were sent. A crash between the send and the commit sends it again:
    the insurer keeps one per delivery number; an SMS may be repeated (at least once)."""
    with new_uow() as uow:
        query = select(AccidentDelivery.id).where(AccidentDelivery.state == "pending")
        if agreement_id is not None:
            query = query.where(AccidentDelivery.agreement_id == agreement_id)
        ids = list(
            uow.session.execute(query.order_by(AccidentDelivery.delivery_no).limit(limit)).scalars()
        )
    sent = 0
    for delivery_id in ids:
        with new_uow() as uow:
            delivery = uow.session.execute(
                select(AccidentDelivery).where(AccidentDelivery.id == delivery_id).with_for_update()
            ).scalar_one()
            if delivery.state != "pending":
                continue
            agreement = uow.session.get(AccidentAgreement, delivery.agreement_id)
            assert agreement is not None  # a foreign key
            delivery.attempts += 1
            try:
                _send(uow, delivery, agreement, notifier, insurers)
            except Exception:
                log.exception("accident delivery %s failed; it stays pending", delivery.delivery_no)
                continue
            delivery.state = "sent"
            delivery.sent_at = uow.clock.now()
            audit.record(
                uow,
                SYSTEM,
                "accident.delivered",
                "accident_agreement",
                agreement.agreement_no,
                data={"recipient": delivery.recipient, "channel": delivery.channel},
            )
            sent += 1
    return sent


def _send(
    uow: UnitOfWork,
    delivery: AccidentDelivery,
    agreement: AccidentAgreement,
    notifier: Notifier | None,
    insurers: InsurerPort | None,
) -> None:
    seq = int(delivery.recipient.rsplit("_", 1)[1])
    if delivery.channel == "sms":
        if notifier is None:
            raise RuntimeError("no SMS gateway configured")
        settlement = uow.session.get(AccidentSettlement, agreement.settlement_id)
        assert settlement is not None
        notifier.send(
            delivery.address,
            agreement_text(
                agreement.agreement_no,
                settlement.occurred_at.astimezone(CITY_ZONE).date(),
                settlement.place,
            ),
        )
        return
    if insurers is None:
        raise RuntimeError("no insurer port configured")
    party = next(p for p in agreement.content["parties"] if p["seq"] == seq)
    insurers.deliver(
        delivery.delivery_no, delivery.address, party["policy_no"], _document(agreement)
    )


def deliveries_of(uow: UnitOfWork, agreement: AccidentAgreement) -> list[AccidentDelivery]:
    return list(
        uow.session.execute(
            select(AccidentDelivery)
            .where(AccidentDelivery.agreement_id == agreement.id)
            .order_by(AccidentDelivery.recipient)
        ).scalars()
    )


# --- views ------------------------------------------------------------------------------------


def settlement_view(
    uow: UnitOfWork, settlement: AccidentSettlement, *, staff: bool
) -> dict[str, Any]:
    """The settlement as the parties at the booth or the accident unit (``staff``) see it:
    names, ID and phone masked (the agreement, the parties' own document, holds them in
    full); the unit also sees the photos' references, the parties their fingerprints."""
    agreement = agreement_of(uow, settlement)
    unit = uow.session.get(OrgUnit, settlement.org_unit_id)
    parties = []
    for p in parties_of(uow, settlement):
        citizen = uow.session.get(Citizen, p.citizen_id)
        kind = VehicleKind(p.vehicle_kind)
        parties.append(
            {
                "seq": p.seq,
                "name": mask_name(citizen.name) if citizen is not None else "",
                "licence_or_id_no": mask_id_number(p.licence_or_id_no),
                "phone": mask_phone(p.phone),
                "plate_no": p.plate_no,
                "vehicle_kind": kind.value,
                "vehicle_kind_text": KIND_ZH[kind],
                "insurer": p.insurer,
                "policy_no": p.policy_no,
                "collision_part": p.collision_part.value,
                "collision_part_text": PART_ZH[p.collision_part],
                "liability": p.liability.value if p.liability is not None else None,
                "liability_text": LIABILITY_ZH[p.liability] if p.liability is not None else None,
            }
        )
    deliveries = deliveries_of(uow, agreement) if agreement is not None else []
    return {
        "settlement_no": settlement.settlement_no,
        "state": settlement.state.value,
        "state_text": STATE_ZH[settlement.state],
        "occurred_at": settlement.occurred_at.isoformat(),
        "occurred_at_text": _local(settlement.occurred_at),
        "place": settlement.place,
        "weather": settlement.weather.value,
        "weather_text": WEATHER_ZH[settlement.weather],
        "form": settlement.form.value,
        "form_text": FORM_ZH[settlement.form],
        "liability_case": settlement.liability_case,
        "unit_code": unit.code if unit is not None else "",
        "unit_name": unit.name if unit is not None else "",
        "parties": parties,
        "photos": [
            {"source": ph.source, "ref": ph.ref if staff else None, "sha256": ph.sha256}
            for ph in photos_of(uow, settlement)
        ],
        "agreement": (
            {
                "agreement_no": agreement.agreement_no,
                "content_sha256": agreement.content_sha256,
                "issued_at": agreement.issued_at.isoformat(),
                "deliveries": [
                    {
                        "recipient": d.recipient,
                        "channel": d.channel,
                        "state": d.state,
                        "address": (mask_phone(d.address) if d.channel == "sms" else d.address),
                    }
                    for d in deliveries
                ],
            }
            if agreement is not None
            else None
        ),
        "referral_no": settlement.referral_no,
        "created_at": settlement.created_at.isoformat(),
        "legal_basis": [SELF_SETTLE_BASIS, AGREEMENT_BASIS, *LIABILITY_BASIS],
    }


def list_settlements(
    uow: UnitOfWork, actor: Actor, *, state: SettlementState | None, limit: int
) -> list[dict[str, Any]]:
    """The settlements of the caller's unit and those below it, the newest first (officer
    and above)."""
    require_role(actor, "officer")
    query = (
        select(AccidentSettlement)
        .join(OrgUnit, OrgUnit.id == AccidentSettlement.org_unit_id)
        .where(scope_filter(actor, OrgUnit.path))
        .order_by(AccidentSettlement.created_at.desc(), AccidentSettlement.settlement_no)
        .limit(limit)
    )
    if state is not None:
        query = query.where(AccidentSettlement.state == state)
    return [settlement_view(uow, s, staff=True) for s in uow.session.execute(query).scalars()]


def count_pending_deliveries(uow: UnitOfWork) -> int:
    return int(
        uow.session.execute(
            select(func.count())
            .select_from(AccidentDelivery)
            .where(AccidentDelivery.state == "pending")
        ).scalar_one()
    )
