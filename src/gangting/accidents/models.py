"""The quick settlements (事故快处): the accident's facts, its two parties, the photos that fix
the evidence, the agreement issued once, and its deliveries to the parties and insurers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.accidents.rules import Form, Liability, Part, SettlementState, Weather
from gangting.audit.ledger import ledger_bound
from gangting.kernel.db import Base, IdMixin, JsonColumn, StrEnumText


class AccidentSettlement(IdMixin, Base):
    """One property-only accident the parties settle at a booth: its 第21条 facts, the
    answers to the 第13–15条 questions, the state, and the responsible accident unit
    (``org_unit_id``: the booth's brigade) that sees it and takes it when referred."""

    __tablename__ = "accident_settlements"
    __table_args__ = (Index("ix_accident_settlements_unit_created", "org_unit_id", "created_at"),)

    settlement_no: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[SettlementState] = mapped_column(StrEnumText(SettlementState, 16))
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    occurred_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(120))
    weather: Mapped[Weather] = mapped_column(StrEnumText(Weather, 16))
    form: Mapped[Form] = mapped_column(StrEnumText(Form, 16))
    answers: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    liability_case: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    referral_no: Mapped[str | None] = mapped_column(String(32))


class AccidentParty(IdMixin, Base):
    """A party (当事人) as identified at the booth (ID card + face: ``identity_ref`` is the
    hash of the identity token it presented) with the 第21条 items of its side."""

    __tablename__ = "accident_parties"
    __table_args__ = (
        UniqueConstraint("settlement_id", "seq"),
        UniqueConstraint("settlement_id", "citizen_id"),
    )

    settlement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accident_settlements.id"))
    seq: Mapped[int]  # 1 or 2
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    identity_ref: Mapped[str] = mapped_column(String(64))
    licence_or_id_no: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(20))
    plate_no: Mapped[str] = mapped_column(String(10))
    vehicle_kind: Mapped[str] = mapped_column(String(24))
    insurer: Mapped[str] = mapped_column(String(64))
    policy_no: Mapped[str] = mapped_column(String(64))
    collision_part: Mapped[Part] = mapped_column(StrEnumText(Part, 16))
    liability: Mapped[Liability | None] = mapped_column(StrEnumText(Liability, 16))


class AccidentPhoto(IdMixin, Base):
    """A photo fixing the evidence (第19条): a reference to the image the booth camera took or
    the party uploaded, and its SHA-256; the image itself stays in the evidence store."""

    __tablename__ = "accident_photos"
    __table_args__ = (UniqueConstraint("settlement_id", "sha256"),)

    settlement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accident_settlements.id"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))  # booth_camera | upload
    ref: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime]


@ledger_bound
class AccidentAgreement(IdMixin, Base):
    """The 道路交通事故自行协商协议书 (第21条): its content as issued and the content's SHA-256.
    One per settlement (unique): a retry can never issue a second."""

    __tablename__ = "accident_agreements"

    agreement_no: Mapped[str] = mapped_column(String(32), unique=True)
    settlement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accident_settlements.id"), unique=True
    )
    content: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    content_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]


class AccidentDelivery(IdMixin, Base):
    """The agreement's delivery to one recipient (each party by SMS, each party's insurer
    through the insurer port), written with the agreement and sent after commit; the
    worker sends what is still pending. One per recipient (unique)."""

    __tablename__ = "accident_deliveries"
    __table_args__ = (
        UniqueConstraint("agreement_id", "recipient"),
        Index("ix_accident_deliveries_state", "state"),
    )

    delivery_no: Mapped[str] = mapped_column(String(40), unique=True)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accident_agreements.id"))
    recipient: Mapped[str] = mapped_column(String(16))  # party_1 | party_2 | insurer_1 | …
    channel: Mapped[str] = mapped_column(String(16))  # sms | insurer
    address: Mapped[str] = mapped_column(String(64))  # the phone, or the insurer's name
    state: Mapped[str] = mapped_column(String(16))  # pending | sent
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
