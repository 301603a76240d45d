"""Named refusals of the instructions domain."""

from gangting.kernel.errors import Conflict, Forbidden, Invalid, NotFound


class InstructionInvalid(Invalid):
    """The instruction as written cannot be issued (``data.reasons`` says why)."""

    code = "instructions.invalid"


class ReportInvalid(Invalid):
    code = "instructions.report_invalid"


class ReasonRequired(Invalid):
    code = "instructions.reason_required"


class InstructionUnknown(NotFound):
    code = "instructions.not_found"


class SubjectUnknown(NotFound):
    """A booth, hit, alert, help call, squadron or officer named by the instruction."""

    code = "instructions.subject_not_found"


class HitNotConfirmed(Conflict):
    """Only a hit a person confirmed leads to an instruction."""

    code = "instructions.hit_not_confirmed"


class NoTargets(Conflict):
    code = "instructions.no_targets"


class NotATarget(Forbidden):
    code = "instructions.not_a_target"


class InstructionClosed(Conflict):
    code = "instructions.closed"


class StepDone(Conflict):
    """The target already took this step (acknowledged twice, reported twice)."""

    code = "instructions.step_done"
