"""What the instructions domain publishes to the command centre's live feed: an instruction
whenever it or one of its targets changes, to supervisors and above and to the officers it
went to."""

from __future__ import annotations

from sqlalchemy import select

from gangting.instructions.models import Instruction, InstructionTarget
from gangting.instructions.views import instruction_view
from gangting.kernel.actor import SYSTEM
from gangting.kernel.live import LiveReads, LiveSource, LiveView
from gangting.staff.models import OrgUnit, StaffAccount


def _instruction(reads: LiveReads, row: Instruction) -> LiveView | None:
    """Instructions are always read again: their view needs every target."""
    s = reads.session
    instruction = s.get(Instruction, row.id)
    if instruction is None:
        return None
    unit = s.get(OrgUnit, instruction.org_unit_id)
    if unit is None:
        return None
    booth = reads.booth(instruction.booth_id) if instruction.booth_id else None
    targets = list(
        s.execute(
            select(InstructionTarget)
            .where(InstructionTarget.instruction_id == instruction.id)
            .order_by(InstructionTarget.username)
        ).scalars()
    )
    code = booth.code if booth is not None else None
    issuer = s.get(StaffAccount, instruction.issued_by_id) if instruction.issued_by_id else None
    view = instruction_view(
        instruction, unit, code, targets, SYSTEM, issuer.name if issuer is not None else None
    )
    view["mine"] = None
    # Officers see only instructions sent to them (instructions.views): the live feed of
    # instructions is for supervisors and above, and for the officers it went to (their
    # phones reload their own view of it).
    audience = tuple(sorted({t.username for t in targets}))
    return LiveView(view, unit.path, code, min_role="supervisor", audience=audience)


SOURCES: tuple[LiveSource[LiveReads], ...] = (
    LiveSource(
        Instruction,
        "instruction",
        _instruction,
        touched_by=((InstructionTarget, "instruction_id"),),
    ),
)
