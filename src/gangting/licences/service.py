"""Licence business at a booth: renewal at expiry (期满换证), replacement of a lost licence
(补领), and the yearly health certificate of drivers aged 70+ (第74条)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen, HealthCertificate
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import Conflict
from gangting.kernel.refusal import ensure_allowed
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.errors import NoLicence
from gangting.licences.models import DrivingLicence
from gangting.licences.rules import (
    LicenceStatus,
    Validity,
    classes_over_age,
    expiry_on,
    health_certificate_lapsed,
    health_certificate_required,
    health_certificate_valid,
    next_validity,
    renewal_window,
    replacement_allowed,
    scoring_cycle,
    should_cancel_for_expiry,
)

_R = law.LICENCE
VALIDITY_ZH = {"six_years": "6年", "ten_years": "10年", "long_term": "长期"}


class CertificateRefused(Conflict):
    code = "licences.health_certificate_invalid"


STATUS_ZH = {
    "valid": "有效",
    "expired": "已过有效期",
    "detained": "扣留",
    "suspended": "暂扣",
    "seized": "扣押",
    "revoked": "吊销",
    "cancelled": "注销",
    "cancellation_due": "超过有效期一年以上，应予注销",
    "health_cancellation_due": "年满70周岁未按期提交身体条件证明超过一年，应予注销",
}


def find_licence(uow: UnitOfWork, citizen_id: uuid.UUID, *, lock: bool = False) -> DrivingLicence:
    """The citizen's licence (locked on request); NoLicence when they hold none."""
    query = select(DrivingLicence).where(DrivingLicence.citizen_id == citizen_id)
    licence = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if licence is None:
        raise NoLicence("未查询到您的机动车驾驶证信息，请到车管所窗口办理")
    return licence


def lock_licence(uow: UnitOfWork, citizen_id: uuid.UUID) -> DrivingLicence:
    """The citizen's licence, locked: point changes for one driver are serialised."""
    return find_licence(uow, citizen_id, lock=True)


def effective_status(licence: DrivingLicence, today: date, *, health_lapsed: bool = False) -> str:
    """The status as of today: a 'valid' licence past its expiry is expired (实施条例 第28条),
    and one expired more than a year is due for cancellation (第79条(八)); a 70+ driver's
    licence whose yearly health certificate is missing over a year after a cycle end is due
    for cancellation too (第79条(九); ``health_lapsed``, see ``health_certificate_lapse``)."""
    if licence.status in ("valid", "expired") and licence.expires_on is not None:
        if should_cancel_for_expiry(licence.expires_on, today):
            return "cancellation_due"
    if licence.status in ("valid", "expired") and health_lapsed:
        return "health_cancellation_due"
    if licence.status in ("valid", "expired") and licence.expires_on is not None:
        if licence.expires_on < today:
            return "expired"
    return licence.status


def health_certificate_lapse(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence, today: date
) -> bool:
    """第79条(九): is the licence of a driver aged 70+ due for cancellation because the
    health certificate of a cycle was not submitted within a year after its end?

    The cycle looked at is the latest that ended more than a year ago. A certificate
    (yearly or for a renewal) issued after that cycle's start counts for it — one submitted
    late restores the licence (第79条第4款). Below 70 at that cycle's end: False."""
    cycle = scoring_cycle(licence.first_issued_on, today)
    while cycle.start > licence.first_issued_on:
        ended = scoring_cycle(
            licence.first_issued_on, date.fromordinal(cycle.start.toordinal() - 1)
        )
        if health_certificate_required(citizen.birth_date, ended.end, today).cancellable:
            submitted = (
                uow.session.execute(
                    select(HealthCertificate.id)
                    .where(
                        HealthCertificate.citizen_id == citizen.id,
                        HealthCertificate.issued_on >= ended.start,
                    )
                    .limit(1)
                ).first()
                is not None
            )
            return health_certificate_lapsed(citizen.birth_date, ended.end, today, submitted)
        if not health_certificate_required(citizen.birth_date, ended.end, today).required:
            return False
        cycle = ended
    return False


def licence_view(
    licence: DrivingLicence, today: date, *, health_lapsed: bool = False
) -> dict[str, Any]:
    status = effective_status(licence, today, health_lapsed=health_lapsed)
    return {
        "effective_status": status,
        "effective_status_text": STATUS_ZH[status],
        "licence_no_masked": licence.licence_no[:6] + "********" + licence.licence_no[-4:],
        "classes": licence.classes.split(","),
        "first_issued_on": licence.first_issued_on.isoformat(),
        "validity": licence.validity,
        "validity_text": VALIDITY_ZH[licence.validity],
        "valid_from": licence.valid_from.isoformat(),
        "expires_on": licence.expires_on.isoformat() if licence.expires_on else None,
        "status": licence.status,
        "learner_until": licence.learner_until.isoformat() if licence.learner_until else None,
        "serial_no": licence.serial_no,
    }


def _add_certificate(
    uow: UnitOfWork, citizen: Citizen, cert: dict[str, Any], purpose: str
) -> HealthCertificate:
    issued_on: date = cert["issued_on"]
    if not health_certificate_valid(issued_on, uow.clock.today()):
        raise CertificateRefused(
            "身体条件证明自出具之日起六个月内有效，该证明已过期或日期有误",
            legal_basis=[f"{_R} 第85条"],
            data={"issued_on": issued_on.isoformat()},
        )
    existing = uow.session.execute(
        select(HealthCertificate).where(HealthCertificate.certificate_no == cert["certificate_no"])
    ).scalar_one_or_none()
    if existing is not None:
        raise CertificateRefused(
            "该身体条件证明已被使用",
            code="licences.health_certificate_used",
            legal_basis=[f"{_R} 第85条"],
        )
    record = HealthCertificate(
        citizen_id=citizen.id,
        certificate_no=cert["certificate_no"],
        institution=cert["institution"],
        issued_on=issued_on,
        purpose=purpose,
    )
    uow.session.add(record)
    return record


def renew_licence(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, certificate: dict[str, Any]
) -> dict[str, Any]:
    today = uow.clock.today()
    licence = lock_licence(uow, citizen.id)
    status = LicenceStatus(licence.status)
    if status not in (LicenceStatus.VALID, LicenceStatus.EXPIRED):
        ensure_allowed(replacement_allowed(status), code="licences.renewal_refused")
    if licence.expires_on is None:
        ensure_allowed(
            Decision.refuse(
                Reason("licences.long_term", "长期有效的驾驶证无需期满换证", (f"{_R} 第13条",))
            )
        )
        raise AssertionError("unreachable")
    window = renewal_window(licence.expires_on, today)
    ensure_allowed(window)
    # A 70+ licence lapsed for a missing certificate (第79条(九)) is restored by the one
    # renewal brings (第79条第4款): no refusal here.
    over_age = classes_over_age(licence.classes.split(","), citizen.birth_date, today)
    if over_age:
        ensure_allowed(Decision.refuse(*over_age))
    _add_certificate(uow, citizen, certificate, "renewal")
    old = Validity(licence.validity)
    new = next_validity(old, licence.had_full_score_in_validity)
    valid_from = licence.expires_on if today <= licence.expires_on else today
    licence.validity = new
    licence.valid_from = valid_from
    licence.expires_on = expiry_on(valid_from, new)
    licence.status = LicenceStatus.VALID
    licence.had_full_score_in_validity = False
    licence.serial_no += 1
    reasons = [
        *window.reasons,
        Reason(
            "licences.next_validity",
            f"新驾驶证有效期为{VALIDITY_ZH[new.value]}"
            + ("（有效期内无记分周期满12分）" if new is not old else ""),
            (f"{_R} 第62条", law.cite(law.IMPLEMENTING, "第26条")),
        ),
        Reason("licences.issued_within_one_day", "符合规定的，当日核发", (f"{_R} 第68条",)),
    ]
    result = {"licence": licence_view(licence, uow.clock.today())}
    application = record_application(
        uow,
        actor,
        service_item="renewal",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result=result,
    )
    return answer(application)


def _refuse_health_lapse(
    uow: UnitOfWork, citizen: Citizen, licence: DrivingLicence, today: date
) -> None:
    """第79条(九): a licence due for cancellation for a missing 70+ health certificate is
    not replaced; submitting the certificate restores it (第79条第4款)."""
    if health_certificate_lapse(uow, citizen, licence, today):
        ensure_allowed(
            Decision.refuse(
                Reason(
                    "licences.health_certificate_lapsed",
                    "年满70周岁，记分周期结束后一年内未提交身体条件证明，驾驶证应予注销；"
                    "提交身体条件证明后可恢复驾驶资格",
                    (f"{_R} 第79条第1款第(九)项", f"{_R} 第79条第4款"),
                )
            )
        )


def replace_licence(uow: UnitOfWork, actor: Actor, citizen: Citizen) -> dict[str, Any]:
    licence = lock_licence(uow, citizen.id)
    verdict = replacement_allowed(LicenceStatus(licence.status))
    ensure_allowed(verdict)
    _refuse_health_lapse(uow, citizen, licence, uow.clock.today())
    licence.serial_no += 1  # the old card is void from now on (第69条)
    reasons = [
        *verdict.reasons,
        Reason("licences.old_void", "原驾驶证作废，不得继续使用", (f"{_R} 第69条",)),
    ]
    result = {"licence": licence_view(licence, uow.clock.today())}
    application = record_application(
        uow,
        actor,
        service_item="replacement",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result=result,
    )
    return answer(application)


def submit_health_certificate(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, certificate: dict[str, Any]
) -> dict[str, Any]:
    today = uow.clock.today()
    licence = lock_licence(uow, citizen.id)
    cycle = scoring_cycle(licence.first_issued_on, today)
    # The duty attaches to the cycle that ended last (submit within 30 days after it).
    previous_end = date.fromordinal(cycle.start.toordinal() - 1)
    due = health_certificate_required(citizen.birth_date, previous_end, today)
    if (
        not due.required
        and health_certificate_required(citizen.birth_date, cycle.end, today).required is False
    ):
        ensure_allowed(
            Decision.refuse(
                Reason(
                    "licences.health_certificate_not_required",
                    "年龄未满70周岁，无需每年提交身体条件证明",
                    (f"{_R} 第74条",),
                )
            )
        )
    _add_certificate(uow, citizen, certificate, "yearly_70")
    reasons = [
        Reason(
            "licences.health_certificate_received",
            "已收到年满70周岁驾驶人的年度身体条件证明",
            (f"{_R} 第74条",),
            {"cycle_end": previous_end.isoformat()},
        )
    ]
    if due.overdue:
        reasons.append(
            Reason(
                "licences.health_certificate_late",
                "提交时间已超过记分周期结束后三十日",
                (f"{_R} 第74条",),
            )
        )
    result = {
        "certificate_no": certificate["certificate_no"],
        "cycle_end": previous_end.isoformat(),
    }
    application = record_application(
        uow,
        actor,
        service_item="health_certificate",
        citizen_id=citizen.id,
        state="completed",
        reasons=reasons,
        result=result,
    )
    return answer(application)
