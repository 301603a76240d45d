"""Stored idempotent answers expire (issue 12 §2; docs/decisions/0017): the worker purges
those older than GANGTING_IDEMPOTENCY_RETENTION_DAYS in batches, audited; a replay after
that is a new request, and money, points and help calls stay once by their own records."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from gangting.alerts.models import Alert
from gangting.audit.models import AuditEntry
from gangting.booths.models import HelpCall
from gangting.config import Settings
from gangting.fines.models import Payment
from gangting.kernel.idempotency import IdempotencyRecord, purge_expired_batch, store_answer
from gangting.node.config import NodeSettings
from gangting.points.models import PointEntry
from gangting.worker import Job, centre_jobs
from tests.desks.conftest import Api, Booth, api, booth, world

__all__ = ["api", "booth", "world"]

PROCESS = "/api/v1/violations/process"
PAY = "/api/v1/payments"
DAY = timedelta(days=1)


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _keys(api: Api) -> set[str]:
    with api.ctx.uow() as uow:
        return set(uow.session.execute(select(IdempotencyRecord.key)).scalars())


def _job(api: Api, **settings: Any) -> Job:
    configured = api.ctx.settings.model_copy(update=settings)
    jobs = {job.name: job for job in centre_jobs(configured, api.ctx.uow)}
    return jobs["idempotency.retention"]


def _store(api: Api, key: str, days_ago: float) -> None:
    with api.ctx.uow() as uow:
        at = uow.clock.now() - timedelta(days=days_ago)
        store_answer(uow.session, "booth:test", key, "h", 200, {"k": key}, at)


def _later(api: Api, booth: Booth, id_number: str, by: timedelta) -> Booth:
    """The same booth ``by`` later: the identity token has long expired, so the citizen
    verifies again, and the booth's own token too: the booth logs in again (the retry a
    booth would make)."""
    api.clock.advance(by)
    again = Booth(api, api.login_booth(api.booth_codes[booth.token]))
    assert again.verify(id_number).status_code == 200
    return again


def test_the_default_retention_outlasts_every_retry_of_a_booths_key() -> None:
    """A kiosk step's key lives one citizen's session (the identity token's time); the
    node's outbox retries at most a backoff apart and keeps delivered rows for a while.
    The stored answer must outlast all of them (the defaults, not the environment's)."""
    centre, node = Settings.model_fields, NodeSettings.model_fields
    retention_s = centre["idempotency_retention_days"].default * 86400
    assert centre["idempotency_retention_days"].default == 7
    assert retention_s > centre["identity_token_ttl_s"].default
    assert retention_s > node["outbox_keep_delivered_h"].default * 3600
    assert retention_s > node["outbox_max_backoff_s"].default
    assert retention_s > node["idle_timeout_s"].default


def test_a_batch_purges_only_answers_older_than_the_cutoff(api: Api, world: dict[str, Any]) -> None:
    for key, days_ago in (("old-1", 9), ("old-2", 8), ("old-3", 7.5), ("new-1", 6.9)):
        _store(api, key, days_ago)
    with api.ctx.uow() as uow:
        cutoff = uow.clock.now() - 7 * DAY
        assert purge_expired_batch(uow.session, cutoff, batch=2) == 2
    with api.ctx.uow() as uow:
        assert purge_expired_batch(uow.session, cutoff, batch=2) == 1
    assert _keys(api) == {"new-1"}


def test_the_worker_job_purges_in_batches_and_audits_the_run(
    api: Api, world: dict[str, Any]
) -> None:
    for n in range(5):
        _store(api, f"old-{n}", 3 + n)
    _store(api, "recent", 1.5)
    job = _job(api, idempotency_retention_days=2, idempotency_purge_batch=2)
    assert job.run() == 5
    assert _keys(api) == {"recent"}
    assert job.run() == 0
    with api.ctx.uow() as uow:
        runs = uow.session.execute(
            select(AuditEntry.data).where(AuditEntry.action == "idempotency.purged")
        ).scalars()
        assert sorted((d["deleted"], d["keep_days"]) for d in runs) == [(0, 2), (5, 2)]


def test_a_payment_retried_after_its_key_was_purged_cannot_charge_twice(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    decided = booth.post(PROCESS, {"violation_refs": [world["v1"]]}, key="proc-k")
    decision_no = decided.json()["decisions"][0]["decision_no"]
    body = {"decision_nos": [decision_no], "payer_code": "QR-OK-1"}
    first = booth.post(PAY, body, key="pay-k")
    assert first.status_code == 201 and first.json()["state"] == "succeeded"
    again = _later(api, booth, world["driver"], 8 * DAY)
    assert _job(api).run() >= 2
    assert not {"pay-k", "proc-k"} & _keys(api)
    retry = again.post(PAY, body, key="pay-k")
    # A new request: decided afresh, and refused by the payment's own records.
    assert retry.status_code == 409
    assert retry.json()["error"] == "fines.already_paid"
    assert retry.headers.get("Idempotent-Replayed") is None
    assert _count(api, Payment) == 1
    assert _count(api, Payment, Payment.state == "succeeded") == 1
    reprocess = again.post(PROCESS, {"violation_refs": [world["v1"]]}, key="proc-k")
    assert reprocess.status_code == 409
    assert reprocess.json()["error"] == "violations.already_processed"
    assert _count(api, PointEntry) == 1


def test_a_pending_payment_retried_after_the_purge_is_not_made_again(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """The platform has not answered yet (a timeout): the retry after the purge finds the
    pending payment of the same decision and is refused; the order stays one."""
    decided = booth.post(PROCESS, {"violation_refs": [world["v1"]]})
    decision_no = decided.json()["decisions"][0]["decision_no"]
    body = {"decision_nos": [decision_no], "payer_code": "TIMEOUT-1"}
    first = booth.post(PAY, body, key="pay-t")
    assert first.json()["state"] == "pending"
    with api.ctx.uow() as uow:
        # The key is purged while the payment is still pending (a cutoff past now: the
        # clock stays, so the platform has not confirmed the payment meanwhile).
        assert purge_expired_batch(uow.session, uow.clock.now() + DAY, 100) >= 2
    retry = booth.post(PAY, body, key="pay-t")
    assert retry.status_code == 409
    assert retry.json()["error"] == "fines.payment_pending"
    assert retry.json()["data"]["payment_no"] == first.json()["payment_no"]
    assert _count(api, Payment) == 1


def test_a_help_call_redelivered_after_the_purge_is_still_one_call(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """The node's outbox retries a help call with its own id: after a long outage and the
    purge it arrives as a new request and finds the call it already made."""
    call = {"id": str(uuid.uuid4()), "kind": "assistance", "note": "门口"}
    first = booth.post("/api/v1/help-calls", call, key="help-k")
    assert first.status_code == 201
    api.clock.advance(8 * DAY)
    assert _job(api).run() >= 1
    booth = Booth(api, api.login_booth(api.booth_codes[booth.token]))  # its token expired too
    again = booth.post("/api/v1/help-calls", call, key="help-k")
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") is None
    assert again.json()["help_call_id"] == first.json()["help_call_id"] == call["id"]
    assert _count(api, HelpCall) == 1
    assert _count(api, Alert, Alert.kind == "help_call") == 1
