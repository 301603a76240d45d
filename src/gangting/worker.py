"""The centre's worker process: MQTT ingest and the periodic jobs, one process per centre.

    gangting worker            # beside `gangting server` (which may run many web workers)

It connects the centre to the broker (booth telemetry, state, availability, help calls,
plate reads -> watch-list hits, command acknowledgements; commands out), publishes live
events for the command-centre screen, and runs the jobs on a timer, each job run in its
own unit of work:

- booth commands past their expiry -> expired (every ``commands_every_s``);
- two-keys approvals not decided in time -> expired, each audited (same cadence);
- instruction deadlines: missed steps, escalations, missed-deadline alerts
  (``instructions_every_s``);
- derived watch-list entries rebuilt from the records (at start, then ``watch_list_every_s``);
- telemetry history older than GANGTING_TELEMETRY_RETENTION_DAYS removed (daily);
- plate reads older than GANGTING_PLATE_READ_RETENTION_DAYS removed, evidence crops older
  than GANGTING_PLATE_READ_EVIDENCE_DAYS cleared, reads of watch-list hits kept (daily);
- the audit ledger verified and the run recorded for the supervision screen
  (``audit.verify``, daily);
- the detectors over the records, their cases stored for the supervisors' review
  (``detection.run``, every GANGTING_DETECT_EVERY_S: daily);
- bad-review remedies past a step's due date escalated to the parent unit with an alert,
  once per step (``ratings.escalate``, with the instructions' cadence);
- stored idempotent answers older than GANGTING_IDEMPOTENCY_RETENTION_DAYS removed, in
  batches (``idempotency.retention``, daily; docs/decisions/0017);
- referrals and objections past their due day: one alert each for the command centre
  (``referrals.overdue``, with the instructions' cadence; docs/decisions/0027);
- 事故快处 agreements' deliveries a crash left pending: sent again (``accidents.deliveries``,
  with the instructions' cadence; docs/decisions/0029).

A job that fails is logged and tried again at its next turn; it never stops the others.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import Any

from pydantic import ValidationError

from gangting.accidents.service import deliver_pending
from gangting.approvals import service as approvals
from gangting.audit import service as audit
from gangting.audit.checkpoints import make_checkpoint, stored_checkpoints
from gangting.audit.verifications import verify_and_record
from gangting.booths import commands, retention
from gangting.booths.errors import PayloadInvalid
from gangting.command_centre.runtime import start_live_publishing
from gangting.config import Settings
from gangting.context import settings_clock
from gangting.desks import plate_read_retention
from gangting.desks.detection import run_detection, thresholds_from_settings
from gangting.desks.plate_reads import record_plate_reads
from gangting.desks.referral_sweep import alert_overdue_referrals
from gangting.desks.remedy_escalations import escalate_overdue_remedies
from gangting.devices.jobs import UowFactory, open_database, start_centre_link
from gangting.instructions.service import policy_from_settings as deadline_policy
from gangting.instructions.sweep import sweep_deadlines
from gangting.integrations.insurers import FakeInsurer, InsurerPort
from gangting.integrations.notifications import FakeNotifier, Notifier
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.checkpoint import load_or_create_key
from gangting.kernel.idempotency import purge_expired_batch
from gangting.kernel.unit_of_work import UnitOfWork, in_batches
from gangting.plate_reads.schemas import PlateReadEvent
from gangting.watchlists.derivation import rebuild_derived_entries
from gangting.watchlists.service import policy_from_settings as watch_policy

log = logging.getLogger("gangting.worker")


class PlateReadIntake:
    """The centre's plate-read handler for the MQTT ingest: decode a booth's message at the
    edge and record reads (once per event id, many per batch), matching them against the
    watch-list in the same unit of work. Called with one message it records that one."""

    def __init__(self, settings: Settings) -> None:
        self._policy = watch_policy(settings)

    def decode(self, raw: bytes) -> PlateReadEvent:
        try:
            return PlateReadEvent.model_validate_json(raw)
        except ValidationError as exc:
            raise PayloadInvalid(
                "号牌识别消息格式不正确", data={"errors": exc.error_count()}
            ) from exc

    def record(self, uow: UnitOfWork, reads: Sequence[tuple[Actor, object]]) -> list[bool]:
        events = [(actor, _event(read)) for actor, read in reads]
        return [not a["duplicate"] for a in record_plate_reads(uow, events, self._policy)]

    def __call__(self, uow: UnitOfWork, actor: Actor, raw: bytes) -> bool:
        return self.record(uow, [(actor, self.decode(raw))])[0]


def _event(read: object) -> PlateReadEvent:
    if not isinstance(read, PlateReadEvent):
        raise TypeError(f"not a decoded plate read: {type(read).__name__}")
    return read


def plate_read_handler(settings: Settings) -> PlateReadIntake:
    return PlateReadIntake(settings)


@dataclass
class Job:
    name: str
    every_s: float
    run: Callable[[], Any]
    next_at: float = 0.0
    runs: int = 0
    failures: int = 0


@dataclass
class Scheduler:
    """Runs each job when its time comes, one at a time, on one thread."""

    jobs: list[Job]
    stopping: threading.Event = field(default_factory=threading.Event)

    def run_due(self, now: float) -> None:
        for job in self.jobs:
            if now < job.next_at or self.stopping.is_set():
                continue
            try:
                result = job.run()
                job.runs += 1
                if result:
                    log.info("job %s: %s", job.name, result)
            except Exception:  # a failing job must not stop the others
                job.failures += 1
                log.exception("job %s failed; next try in %.0f s", job.name, job.every_s)
            job.next_at = now + job.every_s

    def run_forever(self, tick_s: float = 1.0) -> None:
        while not self.stopping.is_set():
            self.run_due(time.monotonic())
            self.stopping.wait(tick_s)


def centre_jobs(
    settings: Settings,
    new_uow: UowFactory,
    *,
    commands_every_s: float = 15.0,
    instructions_every_s: float = 30.0,
    watch_list_every_s: float = 3600.0,
    retention_every_s: float = 86400.0,
    verify_every_s: float = 86400.0,
    outside: tuple[Notifier | None, InsurerPort | None] | None = None,
) -> list[Job]:
    """The periodic jobs of the centre, each in its own unit of work. ``outside`` (the SMS
    and insurer ports) adds the resending of the 事故快处 agreements' pending deliveries."""
    deadlines = deadline_policy(settings)
    watch = watch_policy(settings)

    def expire_commands() -> int:
        with new_uow() as uow:
            return commands.expire_commands(uow)

    def expire_approvals() -> int:
        with new_uow() as uow:
            return approvals.expire_due(uow)

    def sweep_instructions() -> dict[str, object] | None:
        with new_uow() as uow:
            result = sweep_deadlines(uow, deadlines)
        return result.to_dict() if result.instructions else None

    def escalate_remedies() -> dict[str, Any] | None:
        with new_uow() as uow:
            result = escalate_overdue_remedies(uow)
        return result if result["escalated"] else None

    def alert_referrals() -> dict[str, Any] | None:
        with new_uow() as uow:
            result = alert_overdue_referrals(uow)
        return result if result["alerted"] else None

    def rebuild_watch_list() -> dict[str, Any]:
        with new_uow() as uow:
            return rebuild_derived_entries(uow, watch)

    def purge_history() -> int:
        return retention.purge_telemetry(new_uow, settings.telemetry_retention_days)

    def purge_plate_reads() -> dict[str, int] | None:
        purged = plate_read_retention.purge_plate_reads(
            new_uow, settings.plate_read_retention_days, settings.plate_read_evidence_days
        )
        changed = {"deleted": purged.deleted, "evidence_cleared": purged.evidence_cleared}
        return changed if any(changed.values()) else None

    def checkpoint_ledger() -> dict[str, object] | None:
        key = load_or_create_key(settings.ledger_key_path)
        with new_uow() as uow:
            cp = make_checkpoint(uow.session, key, uow.clock.now(), settings.ledger_checkpoint_path)
        return None if cp is None else {"tree_size": cp.tree_size, "root": cp.root.hex()}

    def verify_ledger() -> dict[str, object]:
        key = load_or_create_key(settings.ledger_key_path)
        with new_uow() as uow:
            checkpoints = stored_checkpoints(uow.session, settings.ledger_checkpoint_path)
            recorded = verify_and_record(
                uow.session,
                at=uow.clock.now(),
                by="worker",
                checkpoints=checkpoints,
                public_key=key.public_key(),
            )
            run = recorded.run
            outcome: dict[str, object] = {"ok": run.ok, "entries": run.entries}
            outcome["seconds"] = run.seconds
            if run.first_kind is not None:
                outcome["first_problem"] = f"{run.first_kind} #{run.first_seq}"
        if not outcome["ok"]:
            log.error("audit.verify: the ledger does not verify: %s", outcome)
        return outcome

    def purge_stored_answers() -> int:
        keep_days, batch = settings.idempotency_retention_days, settings.idempotency_purge_batch

        def step(uow: UnitOfWork) -> int:
            before = uow.clock.now() - timedelta(days=keep_days)
            return purge_expired_batch(uow.session, before, batch)

        total = in_batches(new_uow, step, batch)
        with new_uow() as uow:
            audit.record(
                uow,
                SYSTEM,
                "idempotency.purged",
                "idempotency_keys",
                "stored_answers",
                data={"deleted": total, "keep_days": keep_days},
            )
        return total

    thresholds = thresholds_from_settings(settings)

    def detect_cases() -> dict[str, dict[str, int]] | None:
        with new_uow() as uow:
            counts = run_detection(uow, thresholds)
        found = {k: v for k, v in counts.items() if v.get("found")}
        return found or None

    def deliver_agreements() -> int | None:
        assert outside is not None
        return deliver_pending(new_uow, outside[0], outside[1]) or None

    jobs = [
        Job("commands.expire", commands_every_s, expire_commands),
        Job("approvals.expire", commands_every_s, expire_approvals),
        Job("instructions.sweep", instructions_every_s, sweep_instructions),
        Job("ratings.escalate", instructions_every_s, escalate_remedies),
        Job("referrals.overdue", instructions_every_s, alert_referrals),
        Job("watch_list.rebuild", watch_list_every_s, rebuild_watch_list),
        Job("telemetry.retention", retention_every_s, purge_history),
        Job("plate_reads.retention", retention_every_s, purge_plate_reads),
        Job("audit.checkpoint", settings.ledger_checkpoint_every_s, checkpoint_ledger),
        Job("audit.verify", verify_every_s, verify_ledger),
        Job("detection.run", settings.detect_every_s, detect_cases),
        Job("idempotency.retention", retention_every_s, purge_stored_answers),
    ]
    if outside is not None:
        jobs.append(Job("accidents.deliveries", instructions_every_s, deliver_agreements))
    return jobs


def run_worker(settings: Settings, *, ready: threading.Event | None = None) -> None:
    """Run ingest, live publishing and the jobs until SIGTERM/SIGINT."""
    engine, new_uow = open_database(settings)
    live = start_live_publishing(settings, client_id="gangting-worker-live")
    link = start_centre_link(settings, new_uow, plate_reads=plate_read_handler(settings))
    clock = settings_clock(settings)
    notifier = FakeNotifier(settings.var_dir / "fake_sms.db", clock=clock)
    insurers = FakeInsurer(settings.var_dir / "fake_insurers.db", clock=clock)
    scheduler = Scheduler(centre_jobs(settings, new_uow, outside=(notifier, insurers)))

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    log.info("centre worker: broker %s, %d jobs", settings.mqtt_url, len(scheduler.jobs))
    if ready is not None:
        ready.set()
    try:
        scheduler.run_forever()
    finally:
        link.stop()
        live.stop()
        notifier.close()
        insurers.close()
        engine.dispose()
