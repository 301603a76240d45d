"""Plate-read retention: reads past the retention are deleted, evidence crops past their
shorter time cleared (the row stays), reads that a watch-list hit refers to kept whole;
batches, one audit entry per run, the worker's job. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.desks.plate_read_retention import PlateReadsPurged, purge_plate_reads
from gangting.kernel.errors import Invalid
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.models import WatchListHit
from gangting.watchlists.service import IndexCache
from gangting.worker import centre_jobs
from tests.desks.conftest import Api
from tests.watchlists.helpers import car, check, read_plate, rebuild

DAY_S = 86400


def _reads(api: Api) -> dict[uuid.UUID, str | None]:
    """Each stored read's id -> its evidence crop."""
    with api.ctx.uow() as uow:
        rows = uow.session.execute(select(PlateReadRecord.id, PlateReadRecord.evidence_jpeg_b64))
        return {row.id: row.evidence_jpeg_b64 for row in rows}


def _audits(api: Api) -> list[dict[str, Any]]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.data)
                .where(AuditEntry.action == "plate_reads.purged")
                .order_by(AuditEntry.at)
            ).scalars()
        )


def _received(api: Api, plate: str, seen_ago_s: float) -> uuid.UUID:
    """A read the centre received as the car passed, ``seen_ago_s`` ago (retention ages
    reads by the centre's time of receipt, docs/decisions/0016)."""
    now = api.clock.now()
    api.clock.set(now - timedelta(seconds=seen_ago_s))
    try:
        return read_plate(api, plate, seen_ago_s=0)
    finally:
        api.clock.set(now)


def _hit_read(api: Api, plate: str, days_ago: float) -> uuid.UUID:
    """A read of a stolen car's plate that raised a hit, ``days_ago`` days old."""
    read = _received(api, plate, days_ago * DAY_S)
    hit = check(api, read, IndexCache())
    assert hit is not None and hit["plate_read_id"] == str(read)
    return read


def test_old_reads_go_old_crops_are_cleared_and_reads_of_hits_stay_whole(
    api: Api, world: dict[str, Any]
) -> None:
    car(api, "蒙BB2345", status="stolen")
    rebuild(api)
    old = [_received(api, "蒙B12345", d * DAY_S) for d in (200, 120, 91)]
    old_hit = _hit_read(api, "蒙BB2345", 120)
    # Three reads of one instant: the crop clearing walks by received_at in batches of 2,
    # a tie split between batches must not be skipped.
    middle = [_received(api, "蒙B12345", d * DAY_S) for d in (60, 60, 60, 45)]
    middle_hit = _hit_read(api, "蒙BB2345", 40)
    young = _received(api, "蒙B12345", 29 * DAY_S)
    before = _reads(api)
    assert len(before) == 10 and all(before.values())

    purged = purge_plate_reads(api.ctx.uow, keep_days=90, evidence_days=30, batch=2)

    assert purged == PlateReadsPurged(
        deleted=3, evidence_cleared=4, kept_for_hits=1, keep_days=90, evidence_days=30
    )
    after = _reads(api)
    assert set(after) == set(before) - set(old)
    assert [after[r] for r in middle] == [None] * 4  # row kept, crop gone
    for kept in (old_hit, middle_hit, young):
        assert after[kept] == before[kept]  # a hit's evidence, and a young read, untouched
    with api.ctx.uow() as uow:
        hit_reads = set(uow.session.execute(select(WatchListHit.plate_read_id)).scalars())
    assert hit_reads == {old_hit, middle_hit}
    assert _audits(api) == [
        {"deleted": 3, "evidence_cleared": 4, "kept_for_hits": 1, "keep_days": 90,
         "evidence_days": 30}
    ]  # fmt: skip

    # Nothing left to do: the next run removes nothing and still says so.
    again = purge_plate_reads(api.ctx.uow, keep_days=90, evidence_days=30, batch=2)
    assert (again.deleted, again.evidence_cleared, again.kept_for_hits) == (0, 0, 1)
    assert _reads(api) == after and len(_audits(api)) == 2


def test_without_a_shorter_evidence_time_crops_stay_as_long_as_the_read(
    api: Api, world: dict[str, Any]
) -> None:
    kept = _received(api, "蒙B12345", 50 * DAY_S)
    gone = _received(api, "蒙B12345", 61 * DAY_S)
    purged = purge_plate_reads(api.ctx.uow, keep_days=60, evidence_days=60)
    assert (purged.deleted, purged.evidence_cleared) == (1, 0)
    after = _reads(api)
    assert gone not in after and after[kept] is not None


def test_a_retention_under_a_day_is_refused(api: Api, world: dict[str, Any]) -> None:
    read = _received(api, "蒙B12345", 2 * DAY_S)
    for keep_days, evidence_days in ((0, None), (90, 0)):
        with pytest.raises(Invalid) as refused:
            purge_plate_reads(api.ctx.uow, keep_days=keep_days, evidence_days=evidence_days)
        assert refused.value.code == "plate_reads.retention_invalid"
    assert read in _reads(api) and _audits(api) == []


def test_the_worker_job_uses_the_configured_days(api: Api, world: dict[str, Any]) -> None:
    settings = api.ctx.settings.model_copy(
        update={"plate_read_retention_days": 10, "plate_read_evidence_days": 5}
    )
    gone = _received(api, "蒙B12345", 11 * DAY_S)
    cropless = _received(api, "蒙B12345", 6 * DAY_S)
    job = {job.name: job for job in centre_jobs(settings, api.ctx.uow)}["plate_reads.retention"]
    assert job.run() == {"deleted": 1, "evidence_cleared": 1}
    after = _reads(api)
    assert gone not in after and after[cropless] is None
    assert job.run() is None  # nothing more to do: nothing to log
