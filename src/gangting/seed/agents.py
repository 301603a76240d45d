"""Booth and staff activity of the demo city's last weeks, with the agents and the off-hours
operator the supervision office's detectors should find (issue 11 §3), and look-alikes they
should not (decision 0011, "Planted in the demo city").

Everything here goes through the real services with the unit of work's clock set to each
operation's time: ``identity.service.check_identity`` (an ``identity.verified`` audit entry),
``applications.service.record_application`` (an application and its audit entry) and
``desks.supervision.look_up_citizen`` (a staff member's ``citizen.lookup`` entry). The
operations run in time order in one unit of work, so the ledger chains the entries in the
order they happened (``audit.ledger``: linked at commit).

- **Background** (every scale): each booth serves ``BOOTH_DAILY`` citizens a day on the last
  ``ACTIVITY_DAYS`` days, between 09:00 and 17:30, each verified then served; each officer
  looks up ``OFFICER_DAILY`` citizens on each working day, between 08:30 and 18:30. No
  refusals but one face refused then passed at every booth every 5th day, so no booth or
  officer stands out by chance.
- **An agent (黄牛)** ``AGENT_CLIENTS`` citizens whose phone number on record is one and the
  same (the agent's), each served at a booth over four days: ``agents.shared_phone``.
- **A hopping identity**: one citizen's identity verified at ``HOP_BOOTHS`` different booths
  within 50 minutes: ``agents.identity_hopping``.
- **An off-hours operator**: an officer who, besides the day's work, looks citizens up
  between 01:00 and 03:40 on ``NIGHT_SHIFTS`` nights: ``operations.off_hours``.
- **A booth far from its peers** (with at least 6 booths, not in ``tiny``): 8 more faces
  refused then passed within minutes: ``operations.outlier`` (failed-then-passed and refused
  identity checks per 100 applications).
- **Clean look-alikes** that must not fire: a family of ``FAMILY_SIZE`` sharing one phone
  (below the threshold of 4), a citizen verified at two booths within 40 minutes (below 3),
  and an officer working long but normal hours (08:05–19:50).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, select

from gangting.applications.service import record_application
from gangting.citizens.models import Citizen
from gangting.desks.supervision import look_up_citizen
from gangting.identity.errors import FaceMismatch
from gangting.identity.rules import FaceEvidence
from gangting.identity.service import check_identity, record_check_refused
from gangting.kernel.actor import Actor
from gangting.kernel.clock import CITY_ZONE, FixedClock
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.seed.org import OrgPlan

ACTIVITY_DAYS = 20
BOOTH_DAILY = 3
OFFICER_DAILY = 2
AGENT_CLIENTS = 5
FAMILY_SIZE = 3
HOP_BOOTHS = 3
NIGHT_SHIFTS = 4
NIGHT_LOOKUPS = 2
SERVICE_ITEMS = ("process_violations", "pay_fines", "renewal", "inspection_mark")
TOKEN_TTL_S = 600
# The booth's face evidence (distance under its threshold, liveness passed); the retry's
# distance is above it: refused, then passed at the next try.
FACE = FaceEvidence(True, 0.42, 0.5, True, 31.0, 25.0)
RETRY_FACE = FaceEvidence(False, 0.71, 0.5, True, 30.0, 25.0)
RETRY_EVERY_DAYS = 5  # every booth: one face refused then passed every 5th day
RETRY_BOOTH_EXTRA = 8  # the retrying booth: 8 more
RETRY_BOOTH_MIN_BOOTHS = 6  # the outlier needs peers (operations.outlier: at least 5)
LOOKUP_REASON = "GD{day:%Y%m%d}{n:03d} 群众来电核实违法记录"
POOL = 3000  # citizens the activity draws from (the first by ID number, after the personas)


@dataclass
class Planted:
    """Who was planted, for the demo credentials and the seed test (ID numbers, usernames,
    booth codes)."""

    agent_phone: str = ""
    agent_clients: list[str] = field(default_factory=list)
    family_phone: str = ""
    family: list[str] = field(default_factory=list)
    hopper: str = ""
    hopper_booths: list[str] = field(default_factory=list)
    near_hopper: str = ""
    night_officer: str = ""
    day_officer: str = ""
    retrying_booth: str = ""  # only with RETRY_BOOTH_MIN_BOOTHS booths or more

    def lines(self) -> list[str]:
        """The demo credentials' section (tab-separated)."""
        return [
            f"agents.shared_phone\t{self.agent_phone}\t{','.join(self.agent_clients)}\t"
            f"黄牛：{len(self.agent_clients)}名公民登记同一手机号 / one phone, "
            f"{len(self.agent_clients)} citizens",
            f"agents.identity_hopping\t{self.hopper}\t{','.join(self.hopper_booths)}\t"
            "同一身份50分钟内在3个岗亭核验 / verified at 3 booths within 50 minutes",
            f"operations.off_hours\t{self.night_officer}\t-\t"
            f"{NIGHT_SHIFTS}个夜间（01:00–03:40）查询公民 / looks citizens up at night",
            *(
                [
                    f"operations.outlier\t{self.retrying_booth}\t-\t"
                    f"人脸核验先失败后通过明显多于其他岗亭 / faces failed then passed, "
                    f"far more often than at its peers"
                ]
                if self.retrying_booth
                else []
            ),
            f"clean\t{self.family_phone}\t{','.join(self.family)}\t"
            f"一家{len(self.family)}口共用手机号（低于阈值）/ a family sharing a phone",
            f"clean\t{self.near_hopper}\t-\t40分钟内2个岗亭（低于阈值）/ 2 booths in 40 minutes",
            f"clean\t{self.day_officer}\t-\t工作时间内加班（08:05–19:50）/ long but normal hours",
        ]


Step = Callable[[UnitOfWork], object]


@dataclass
class _Timeline:
    steps: list[tuple[datetime, int, Step]] = field(default_factory=list)

    def at(self, day: date, hour: int, minute: int, step: Step) -> None:
        when = datetime.combine(day, time(hour, minute), tzinfo=CITY_ZONE)
        self.steps.append((when, len(self.steps), step))


def plant_activity(
    engine: Engine, plan: OrgPlan, today: date, seed: int, *, exclude: set[uuid.UUID]
) -> Planted:
    """Write the last ``ACTIVITY_DAYS`` days of booth and staff activity with the planted
    patterns (module docstring); ``exclude``: citizens left alone (the demo personas)."""
    rng = random.Random(seed + 11)
    with engine.connect() as conn:
        pool = [
            (cid, id_number)
            for cid, id_number in conn.execute(
                select(Citizen.id, Citizen.id_number).order_by(Citizen.id_number).limit(POOL)
            )
            if cid not in exclude
        ]
    paths = {u.id: u.path for u in plan.units}
    booths = [Actor("booth", b.id, b.code, org_path=paths[b.org_unit_id]) for b in plan.booths]
    officers = [
        Actor("staff", s.id, s.username, role=s.role, org_path=paths[s.org_unit_id])
        for s in plan.staff
        if s.role == "officer"
    ]
    planted = Planted()
    if len(booths) < HOP_BOOTHS or len(officers) < 2 or len(pool) < 40:
        return planted
    # the planted people are drawn first and kept out of the background
    chosen = rng.sample(pool, AGENT_CLIENTS + FAMILY_SIZE + 2)
    agents, family = chosen[:AGENT_CLIENTS], chosen[AGENT_CLIENTS : AGENT_CLIENTS + FAMILY_SIZE]
    hopper, near_hopper = chosen[-2], chosen[-1]
    background = [c for c in pool if c not in chosen]
    night, day_officer = officers[0], officers[1]
    days = [today - timedelta(days=n) for n in range(ACTIVITY_DAYS, 0, -1)]
    line = _Timeline()

    def serve(booth: Actor, citizen: tuple[uuid.UUID, str], item: str) -> Step:
        def step(uow: UnitOfWork) -> object:
            check_identity(uow, booth, citizen[1], FACE, ttl_s=TOKEN_TTL_S)
            return record_application(
                uow,
                booth,
                service_item=item,
                citizen_id=citizen[0],
                state="completed",
                reasons=[],
                result={},
            )

        return step

    def verify(booth: Actor, citizen: tuple[uuid.UUID, str]) -> Step:
        return lambda uow: check_identity(uow, booth, citizen[1], FACE, ttl_s=TOKEN_TTL_S)

    def lookup(officer: Actor, citizen: tuple[uuid.UUID, str], day: date, n: int) -> Step:
        reason = LOOKUP_REASON.format(day=day, n=n)
        return lambda uow: look_up_citizen(uow, officer, citizen[1], reason, reveal=False)

    def retry(booth: Actor, citizen: tuple[uuid.UUID, str]) -> Step:
        """A face check refused (distance above the threshold) and audited as the booth
        route does (``record_check_refused``); the pass comes as the next step."""

        def step(uow: UnitOfWork) -> object:
            try:
                return check_identity(uow, booth, citizen[1], RETRY_FACE, ttl_s=TOKEN_TTL_S)
            except FaceMismatch as error:
                record_check_refused(
                    uow,
                    booth,
                    citizen[1],
                    error,
                    face=RETRY_FACE,
                    card_source="chip",
                )
                return None

        return step

    n = 0
    for d, day in enumerate(days):
        for booth in booths:  # background: daytime business at every booth
            for k in range(BOOTH_DAILY):
                minute = rng.randrange(9 * 60 + 5, 17 * 60 + 30)
                citizen = rng.choice(background)
                if k == 0 and d % RETRY_EVERY_DAYS == 0:  # a face that passes at the 2nd try
                    line.at(day, (minute - 2) // 60, (minute - 2) % 60, retry(booth, citizen))
                line.at(day, minute // 60, minute % 60, serve(booth, citizen, _item(rng)))
        if day.weekday() < 5:
            for officer in officers:  # background: daytime look-ups on working days
                for _ in range(OFFICER_DAILY):
                    minute = rng.randrange(8 * 60 + 30, 18 * 60 + 30)
                    n += 1
                    step = lookup(officer, rng.choice(background), day, n)
                    line.at(day, minute // 60, minute % 60, step)
            # the clean long-hours officer: early and late, inside 08:00-20:00
            for hour, minute in ((8, 5), (19, 50)):
                n += 1
                line.at(day, hour, minute, lookup(day_officer, rng.choice(background), day, n))
    # the agent brings five clients to two booths over four days, each with its own phone
    # number on record replaced by the agent's
    for k, client in enumerate(agents):
        line.at(days[-6 + k % 4], 10 + k, 15, serve(booths[k % 2], client, "process_violations"))
    # the family: three people, one phone, served at one booth the same afternoon
    for k, member in enumerate(family):
        line.at(days[-9], 15, 10 + 12 * k, serve(booths[-1], member, "pay_fines"))
    # the hopping identity: three booths within 50 minutes; the near-hopper: two in 40
    for k, booth in enumerate(booths[:HOP_BOOTHS]):
        line.at(days[-3], 10, 5 + 25 * k, serve(booth, hopper, "process_violations"))
    for k, booth in enumerate(booths[:2]):
        line.at(days[-4], 14, 10 + 40 * k, verify(booth, near_hopper))
    # the retrying booth: a face refused then passed on 8 more days (someone else's face
    # presented first?); only where there are peers enough to compare it with
    retrying = booths[-2] if len(booths) >= RETRY_BOOTH_MIN_BOOTHS else None
    for k in range(RETRY_BOOTH_EXTRA if retrying else 0):
        assert retrying is not None
        citizen = rng.choice(background)
        line.at(days[1 + 2 * k], 16, 20, retry(retrying, citizen))
        line.at(days[1 + 2 * k], 16, 23, serve(retrying, citizen, "process_violations"))
    # the off-hours officer: look-ups between 01:00 and 03:40 on four nights
    for k in range(NIGHT_SHIFTS):
        night_day = days[-2 - 3 * k]
        for j in range(NIGHT_LOOKUPS):
            n += 1
            step = lookup(night, rng.choice(background), night_day, n)
            line.at(night_day, 1 + 2 * j, 10 + 10 * k + 10 * j, step)

    agent_phone = _phone(rng, "139")
    family_phone = _phone(rng, "158")
    clock = FixedClock(line.steps[0][0])
    with UnitOfWork(session_factory(engine), clock) as uow:
        for phone, people in ((agent_phone, agents), (family_phone, family)):
            # through the ORM: the changed rows are bound to the ledger at commit
            for person in uow.session.scalars(
                select(Citizen).where(Citizen.id.in_([c[0] for c in people]))
            ):
                person.phone = phone
        for when, _, step in sorted(line.steps, key=lambda s: (s[0], s[1])):
            clock.set(when)
            step(uow)
    planted.agent_phone, planted.agent_clients = agent_phone, [c[1] for c in agents]
    planted.family_phone, planted.family = family_phone, [c[1] for c in family]
    planted.hopper, planted.near_hopper = hopper[1], near_hopper[1]
    planted.hopper_booths = [b.name for b in booths[:HOP_BOOTHS]]
    planted.night_officer, planted.day_officer = night.name, day_officer.name
    planted.retrying_booth = retrying.name if retrying else ""
    return planted


def _item(rng: random.Random) -> str:
    return rng.choice(SERVICE_ITEMS)


def _phone(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(str(rng.randrange(10)) for _ in range(8))
