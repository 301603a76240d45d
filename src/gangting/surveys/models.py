"""Surveys (a frozen copy of each definition answered), answer sheets and their answers,
and the CSV imports that brought sheets in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gangting.kernel.db import Base, IdMixin, JsonColumn


class Survey(IdMixin, Base):
    """A survey version as it was answered: registered from package data on its first
    answer sheet, never changed afterwards (a new wording is a new version)."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("code", "version"),)

    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    registered_at: Mapped[datetime]


class SurveyImport(IdMixin, Base):
    """One CSV file imported: the same file (by SHA-256) is never imported twice."""

    __tablename__ = "survey_imports"
    __table_args__ = (UniqueConstraint("survey_id", "sha256"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[int]
    imported_at: Mapped[datetime]


class SurveyResponse(IdMixin, Base):
    """One respondent's answer sheet."""

    __tablename__ = "survey_responses"
    # One sheet per application and survey (a citizen is asked once per matter).
    __table_args__ = (
        UniqueConstraint("survey_id", "application_id"),
        Index("ix_survey_responses_survey_id_submitted_at", "survey_id", "submitted_at"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"))
    channel: Mapped[str] = mapped_column(String(8))  # kiosk | link | import
    booth_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booths.id"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"))
    import_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("survey_imports.id"), index=True)
    respondent: Mapped[str | None] = mapped_column(String(64))  # a paper form's number
    submitted_at: Mapped[datetime]
    received_at: Mapped[datetime]


class SurveyAnswer(IdMixin, Base):
    """One answered item: the level as chosen (raw, before reverse scoring)."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "item_code"),)

    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_responses.id"))
    item_code: Mapped[str] = mapped_column(String(32))
    value: Mapped[int]
