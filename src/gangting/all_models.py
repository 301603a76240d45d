"""Imports every table so that Base.metadata is complete (Alembic, tests, seed)."""

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth, BoothState, HelpCall, ReceiptPrint, TelemetryReading
from gangting.citizens.models import Citizen, HealthCertificate
from gangting.fines.models import Payment, PaymentItem, PenaltyDecision
from gangting.identity.models import IdentityToken
from gangting.kernel.db import Base
from gangting.kernel.idempotency import IdempotencyRecord
from gangting.licences.models import DrivingLicence
from gangting.points.models import PointEntry, StudyDeduction
from gangting.ratings.models import BadReviewRemedy, Rating
from gangting.staff.models import AccessToken, OrgUnit, StaffAccount
from gangting.vehicles.models import InspectionMark, Vehicle
from gangting.violations.models import Violation, ViolationCode

metadata = Base.metadata

__all__ = [
    "AccessToken",
    "Application",
    "AuditEntry",
    "BadReviewRemedy",
    "Booth",
    "BoothState",
    "Citizen",
    "DrivingLicence",
    "HealthCertificate",
    "HelpCall",
    "IdempotencyRecord",
    "IdentityToken",
    "InspectionMark",
    "OrgUnit",
    "Payment",
    "PaymentItem",
    "PenaltyDecision",
    "PointEntry",
    "Rating",
    "ReceiptPrint",
    "StaffAccount",
    "StudyDeduction",
    "TelemetryReading",
    "Vehicle",
    "Violation",
    "ViolationCode",
    "metadata",
]
