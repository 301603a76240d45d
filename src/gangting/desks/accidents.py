"""事故快处 at the desks: the two parties of a property-only accident, each identified at the
booth with ID card and live face (each presents its own identity token from the same booth),
answer the 第13–15条 questions; the registries check each driver's licence and class, each
vehicle's plate, compulsory insurance and inspection; the photos fix the evidence; both
confirm a liability (a case of the configured table, or their own split) and the agreement
is issued once and delivered to both parties and their insurers — or a party disagrees and
the accident goes to the accident unit as a referral (第20条), whose number they see.

The accident domain (accidents.service) keeps the settlement; here: identity, licences,
vehicles, the referral and the application filed (service item ``quick_accident``)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from gangting.accidents import service as accidents
from gangting.accidents.errors import (
    FactsInvalid,
    LiabilityInvalid,
    PartiesInvalid,
    QuestionsUnanswered,
)
from gangting.accidents.models import AccidentSettlement
from gangting.accidents.rules import (
    AGREEMENT_BASIS,
    LIABILITY_BASIS,
    LIABILITY_ZH,
    ONLINE_BASIS,
    PERFORMANCE_BASIS,
    PLACE_MAX_CHARS,
    QUESTIONS,
    TEXT_MAX_CHARS,
    Liability,
    LiabilityTable,
    Part,
    PartyFacts,
    answered,
    case_split,
    eligibility,
    referred_text,
    split_allowed,
)
from gangting.accidents.service import Facts, PartyEntry, Photo
from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen
from gangting.desks import referrals
from gangting.identity.service import resolve_citizen
from gangting.integrations.notifications import Notifier
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Reason
from gangting.kernel.refusal import ensure_allowed
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.referrals.service import Materials, ReferralTerms
from gangting.staff.models import OrgUnit
from gangting.vehicles.models import Vehicle
from gangting.vehicles.rules import InvalidPlate, VehicleKind, parse_plate

log = logging.getLogger("gangting.accidents")
SERVICE_ITEM = "quick_accident"


@dataclass(frozen=True)
class PartySide:
    """What a party states for its side: its vehicle's plate, the insurer and policy number
    on its insurance mark, the collision part, and a phone when not the registered one."""

    plate_no: str
    insurer: str
    policy_no: str
    collision_part: Part
    phone: str | None = None


def identity_ref(token: str | None) -> str:
    """What a party's identity check is kept as: the hash of its token (as identity stores)."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def _other_party(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, other_token: str | None
) -> Citizen:
    other = resolve_citizen(uow, actor, other_token)
    if other.id == citizen.id:
        raise PartiesInvalid(
            "另一方当事人须持本人身份证在本岗亭另行完成人证核验", data={"parties": 1}
        )
    return other


def _party_facts(
    uow: UnitOfWork, seq: int, citizen: Citizen, side: PartySide
) -> tuple[PartyFacts, DrivingLicence | None, str]:
    try:
        plate = parse_plate(side.plate_no).value
    except InvalidPlate as exc:
        raise FactsInvalid(
            f"第{seq}方当事人的号牌号码格式不正确", data={"party": seq, "plate_no": side.plate_no}
        ) from exc
    vehicle = uow.session.execute(
        select(Vehicle).where(Vehicle.plate_no == plate)
    ).scalar_one_or_none()
    licence = uow.session.execute(
        select(DrivingLicence).where(DrivingLicence.citizen_id == citizen.id)
    ).scalar_one_or_none()
    facts = PartyFacts(
        seq=seq,
        plate_no=plate,
        licence_status=licence.status if licence is not None else None,
        licence_expires_on=licence.expires_on if licence is not None else None,
        licence_classes=licence.classes if licence is not None else "",
        vehicle_kind=vehicle.kind if vehicle is not None else None,
        vehicle_status=vehicle.status if vehicle is not None else None,
        insurance_until=vehicle.compulsory_insurance_until if vehicle is not None else None,
        inspection_valid_until=vehicle.inspection_valid_until if vehicle is not None else None,
    )
    return facts, licence, plate


def _text(value: str, what: str, seq: int | None = None) -> str:
    text = value.strip()
    limit = PLACE_MAX_CHARS if what == "事故地点" else TEXT_MAX_CHARS
    if not 2 <= len(text) <= limit:
        who = f"第{seq}方当事人的" if seq else ""
        raise FactsInvalid(f"请填写{who}{what}（2至{limit}字）", data={"field": what})
    return text


def open_settlement(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    *,
    tokens: tuple[str | None, str | None],
    facts: Facts,
    answers: dict[str, bool],
    sides: Sequence[PartySide],
    photos: Sequence[Photo],
) -> dict[str, Any]:
    """Open a drafted settlement: ``citizen`` (party 1, its token ``tokens[0]`` the call's
    X-Identity-Token) and the party of ``tokens[1]`` (party 2, identified at this booth
    too); every question answered; the registries' facts and the answers decide whether the
    booth may settle it (第13–15条: refused with every reason, call 122). The answer shows
    both parties' vehicles and insurance as the registries hold them."""
    other = _other_party(uow, actor, citizen, tokens[1])
    missing = answered(answers)
    if missing:
        raise QuestionsUnanswered(
            "请逐项回答是否存在须报警处理的情形",
            data={"missing": missing},
            legal_basis=[QUESTIONS[0].basis],
        )
    if len(sides) != 2:
        raise PartiesInvalid("事故快处限两车事故，须填写双方车辆信息", data={"parties": len(sides)})
    place = _text(facts.place, "事故地点")
    if facts.occurred_at > uow.clock.now():
        raise FactsInvalid("事故发生时间不能晚于当前时间", data={"field": "occurred_at"})
    entries: list[PartyEntry] = []
    checked: list[PartyFacts] = []
    people = (citizen, other)
    for seq, (person, side, token) in enumerate(zip(people, sides, tokens, strict=True), 1):
        party_facts, licence, plate = _party_facts(uow, seq, person, side)
        checked.append(party_facts)
        entries.append(
            PartyEntry(
                citizen=person,
                identity_ref=identity_ref(token),
                licence_or_id_no=licence.licence_no if licence is not None else person.id_number,
                phone=(side.phone or person.phone or "").strip(),
                plate_no=plate,
                vehicle_kind=party_facts.vehicle_kind or VehicleKind.OTHER,
                insurer=_text(side.insurer, "保险公司", seq),
                policy_no=_text(side.policy_no, "保险凭证号", seq),
                collision_part=side.collision_part,
            )
        )
    if entries[0].plate_no == entries[1].plate_no:
        raise PartiesInvalid(
            "双方车辆的号牌号码相同，请核对", data={"plate_no": entries[0].plate_no}
        )
    ensure_allowed(
        eligibility(answers, checked, uow.clock.today()), code="accidents.must_call_police"
    )
    for seq, e in enumerate(entries, start=1):
        if not e.phone:
            raise FactsInvalid(f"请填写第{seq}方当事人的联系电话", data={"party": seq})
    settlement = accidents.open_settlement(
        uow,
        actor,
        referrals.booth_brigade(uow, actor),
        Facts(facts.occurred_at, place, facts.weather, facts.form),
        entries,
        answers,
        photos,
    )
    return _view(uow, settlement)


def _view(uow: UnitOfWork, settlement: AccidentSettlement) -> dict[str, Any]:
    view = accidents.settlement_view(uow, settlement, staff=False)
    vehicles = []
    for p in accidents.parties_of(uow, settlement):
        vehicle = uow.session.execute(
            select(Vehicle).where(Vehicle.plate_no == p.plate_no)
        ).scalar_one_or_none()
        vehicles.append(
            {
                "seq": p.seq,
                "plate_no": p.plate_no,
                "insurance_until": (
                    vehicle.compulsory_insurance_until.isoformat() if vehicle is not None else None
                ),
                "inspection_valid_until": (
                    vehicle.inspection_valid_until.isoformat() if vehicle is not None else None
                ),
            }
        )
    return {**view, "vehicles": vehicles}


def add_photos(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, settlement_no: str, photos: Sequence[Photo]
) -> dict[str, Any]:
    settlement = accidents.party_settlement(uow, settlement_no, [citizen.id], lock=True)
    accidents.add_photos(uow, actor, settlement, photos)
    return _view(uow, settlement)


def citizen_settlement(uow: UnitOfWork, citizen: Citizen, settlement_no: str) -> dict[str, Any]:
    return _view(uow, accidents.party_settlement(uow, settlement_no, [citizen.id]))


def _split(
    table: LiabilityTable, case_code: str | None, actor_seq: int | None, split: Sequence[str]
) -> tuple[tuple[Liability, Liability], str | None]:
    """(the liabilities of party 1 and 2, the case's title) from a case of the table and the
    party that did its act, or from the parties' own split."""
    if case_code:
        case = table.case(case_code)
        if case is None or actor_seq not in (1, 2):
            raise LiabilityInvalid(
                "请从责任对照表中选择情形，并指明哪一方" + "的行为属于该情形",
                data={"case": case_code},
                legal_basis=list(LIABILITY_BASIS),
            )
        return case_split(case, actor_seq), case.title
    try:
        first, second = (Liability(x) for x in split)
    except ValueError as exc:
        raise LiabilityInvalid(
            "请选择责任情形，或者由双方协商确定各自的责任",
            data={"split": list(split)},
            legal_basis=list(LIABILITY_BASIS),
        ) from exc
    if not split_allowed(first, second):
        raise LiabilityInvalid(
            f"“{LIABILITY_ZH[first]}”与“{LIABILITY_ZH[second]}”不能同时成立：一方全部责任则另一方无责任，"
            "一方主要责任则另一方次要责任，或者双方同等责任、均无责任",
            data={"split": [first.value, second.value]},
            legal_basis=list(LIABILITY_BASIS),
        )
    return (first, second), None


def agree(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    settlement_no: str,
    *,
    other_token: str | None,
    table: LiabilityTable,
    case_code: str | None,
    actor_seq: int | None,
    split: Sequence[str],
    deliver: Callable[[uuid.UUID], None] | None,
) -> dict[str, Any]:
    """Both parties, each with its own identity token, confirm the liability: the agreement
    is issued once (第21条) and filed as the quick_accident application; its deliveries go
    after commit (``deliver``). A retry with the same key replays the answer; an agreed or
    referred settlement refuses a second agreement (accidents.closed)."""
    other = _other_party(uow, actor, citizen, other_token)
    settlement = accidents.party_settlement(uow, settlement_no, [citizen.id, other.id], lock=True)
    pair, title = _split(table, case_code, actor_seq, split)
    agreement = accidents.issue_agreement(uow, actor, settlement, pair, case_code, title)
    application = record_application(
        uow,
        actor,
        service_item=SERVICE_ITEM,
        citizen_id=citizen.id,
        state="completed",
        reasons=[
            Reason(
                "accidents.agreed",
                f"双方已自行协商达成协议，协议书{agreement.agreement_no}已签发，"
                "并送达双方及其投保的保险公司",
                (AGREEMENT_BASIS, PERFORMANCE_BASIS, *LIABILITY_BASIS),
                {"agreement_no": agreement.agreement_no},
            )
        ],
        result={
            "settlement_no": settlement.settlement_no,
            "agreement_no": agreement.agreement_no,
        },
    )
    if deliver is not None:
        agreement_id, send = agreement.id, deliver
        uow.after_commit(lambda: send(agreement_id))
    return {**answer(application), "settlement": _view(uow, settlement)}


def dispute(
    uow: UnitOfWork,
    actor: Actor,
    citizen: Citizen,
    settlement_no: str,
    *,
    reason: str,
    terms: ReferralTerms,
    notifier: Notifier | None,
) -> dict[str, Any]:
    """A party disagrees on the facts or liability (either one may): the accident goes to
    the accident unit as a referral with the collected materials (第20条); the party sees
    the referral number and both are told by SMS."""
    settlement = accidents.party_settlement(uow, settlement_no, [citizen.id], lock=True)
    accidents.require_open(settlement)
    unit = uow.session.get(OrgUnit, settlement.org_unit_id)
    assert unit is not None  # a foreign key
    parties = accidents.parties_of(uow, settlement)
    photos = accidents.photos_of(uow, settlement)
    answer_ = referrals.refer_application(
        uow,
        actor,
        citizen,
        service_item=SERVICE_ITEM,
        unit_code=unit.code,
        reason=reason,
        materials=Materials(
            evidence_refs=[p.ref for p in photos],
            documents=[settlement.settlement_no],
            data={
                "settlement_no": settlement.settlement_no,
                "occurred_at": settlement.occurred_at.isoformat(),
                "place": settlement.place,
                "plates": [p.plate_no for p in parties],
                "photos_sha256": [p.sha256 for p in photos],
                "basis": ONLINE_BASIS,
            },
        ),
        terms=terms,
        notifier=notifier,
    )
    referral_no = str(answer_["referral"]["referral_no"])
    accidents.mark_referred(uow, actor, settlement, referral_no, reason.strip())
    others = [p.phone for p in parties if p.citizen_id != citizen.id and p.phone]
    if notifier is not None and others:
        text = referred_text(settlement.settlement_no, referral_no, unit.name)
        gateway = notifier

        def send() -> None:
            for phone in others:
                try:
                    gateway.send(phone, text)
                except Exception:  # committed; a lost message must not undo it
                    log.exception("accident %s: the text was not sent", settlement.settlement_no)

        uow.after_commit(send)
    return {**answer_, "settlement": _view(uow, settlement)}
