"""Imports every table so that Base.metadata is complete (Alembic, tests, seed)."""

from gangting.accidents.models import (
    AccidentAgreement,
    AccidentDelivery,
    AccidentParty,
    AccidentPhoto,
    AccidentSettlement,
)
from gangting.alerts.models import Alert
from gangting.applications.models import Application
from gangting.approvals.models import Approval
from gangting.audit.models import AuditEntry
from gangting.booths.models import (
    Booth,
    BoothCommand,
    BoothState,
    HelpCall,
    ReceiptPrint,
    TelemetryReading,
)
from gangting.citizens.models import Citizen, HealthCertificate
from gangting.command_centre.models import AssistMessage, AssistSession
from gangting.detection.models import DetectionCase
from gangting.fines.models import (
    FineDeferral,
    FineInstalment,
    Payment,
    PaymentItem,
    PenaltyDecision,
)
from gangting.identity.models import IdentityToken
from gangting.instructions.models import Instruction, InstructionEscalation, InstructionTarget
from gangting.kernel.db import Base
from gangting.kernel.idempotency import IdempotencyRecord
from gangting.licences.models import AccidentRecord, CognitiveTest, DriverReview, DrivingLicence
from gangting.plate_reads.models import PlateReadRecord
from gangting.points.models import FullScoreRecord, PointEntry, StudyDeduction
from gangting.ratings.models import BadReviewRemedy, Rating, RatingLink, RemedyEscalation
from gangting.referrals.models import Referral, ReferralStep
from gangting.staff.models import AccessToken, OrgUnit, StaffAccount
from gangting.surveys.models import Survey, SurveyAnswer, SurveyImport, SurveyResponse
from gangting.vehicles.models import InspectionMark, Vehicle
from gangting.violations.models import Violation, ViolationCode
from gangting.visits.models import ServiceVisit
from gangting.watchlists.models import WatchListCounter, WatchListEntry, WatchListHit

metadata = Base.metadata

__all__ = [
    "AccessToken",
    "AccidentAgreement",
    "AccidentDelivery",
    "AccidentParty",
    "AccidentPhoto",
    "AccidentSettlement",
    "AccidentRecord",
    "CognitiveTest",
    "DriverReview",
    "FullScoreRecord",
    "Alert",
    "Application",
    "Approval",
    "AssistMessage",
    "AssistSession",
    "AuditEntry",
    "BadReviewRemedy",
    "Booth",
    "BoothCommand",
    "BoothState",
    "Citizen",
    "DetectionCase",
    "DrivingLicence",
    "FineDeferral",
    "FineInstalment",
    "HealthCertificate",
    "HelpCall",
    "IdempotencyRecord",
    "IdentityToken",
    "InspectionMark",
    "Instruction",
    "InstructionEscalation",
    "InstructionTarget",
    "OrgUnit",
    "Payment",
    "PaymentItem",
    "PenaltyDecision",
    "PlateReadRecord",
    "PointEntry",
    "Rating",
    "RatingLink",
    "Referral",
    "ReferralStep",
    "RemedyEscalation",
    "ReceiptPrint",
    "ServiceVisit",
    "StaffAccount",
    "StudyDeduction",
    "Survey",
    "SurveyAnswer",
    "SurveyImport",
    "SurveyResponse",
    "TelemetryReading",
    "Vehicle",
    "Violation",
    "ViolationCode",
    "WatchListCounter",
    "WatchListEntry",
    "WatchListHit",
    "metadata",
]
