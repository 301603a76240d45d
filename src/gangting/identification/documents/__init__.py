"""Documents: OCR of ID-card fronts and driver health certificates, offline on the CPU.

The engine is RapidOCR 3.10.0 with the PP-OCRv6 small models shipped in its wheel; fields
are read by layout and labels, then checked (GB 11643-1999 number, birth date and sex
agreement, nation name; certificate conclusion and six-month validity).
"""

from gangting.identification.documents.engine import OcrEngine, TextLine, shared_engine
from gangting.identification.documents.health_certificate import (
    HealthCertificateRead,
    parse_health_certificate,
    read_health_certificate,
)
from gangting.identification.documents.idcard import IdCardRead, parse_id_card, read_id_card
from gangting.identification.documents.rules import (
    NATIONS,
    HealthCertificateFields,
    IdCardFields,
    check_health_certificate,
    check_id_card,
    repair_nation,
)

__all__ = [
    "NATIONS",
    "HealthCertificateFields",
    "HealthCertificateRead",
    "IdCardFields",
    "IdCardRead",
    "OcrEngine",
    "TextLine",
    "check_health_certificate",
    "check_id_card",
    "parse_health_certificate",
    "parse_id_card",
    "read_health_certificate",
    "read_id_card",
    "repair_nation",
    "shared_engine",
]
