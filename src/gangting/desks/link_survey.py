"""The short survey on the receipt's link page (Issue 13 §4, decisions 0021 and 0022): after
the citizen rates through the one-use link, the same page offers the survey; the link's
token authorises both. The survey follows the rating: a link whose application is not yet
rated (through the link or on the booth's screen) is refused ``surveys.rating_first``; an
application answers the survey once, whatever the channel (``surveys.already_answered``);
an expired link answers nothing (``ratings.link_expired``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from gangting.kernel.unit_of_work import UnitOfWork
from gangting.ratings import service as ratings
from gangting.surveys import service as surveys
from gangting.surveys.errors import AlreadyAnswered, RatingFirst

LINK_SURVEY = surveys.DEFAULT_SURVEY  # the same short survey the booth's screen offers
SurveyState = Literal["open", "rating_first", "answered"]


def link_survey_view(uow: UnitOfWork, token: str) -> dict[str, Any]:
    """The survey for a link's page, and whether it may be answered now: "open" (rated, no
    sheet yet), "rating_first" (rate first) or "answered" (a sheet from any channel)."""
    linked = ratings.linked_application(uow, token)
    state: SurveyState
    if surveys.has_sheet(uow, linked.receipt_no, LINK_SURVEY):
        state = "answered"
    elif not linked.rated:
        state = "rating_first"
    else:
        state = "open"
    return {"state": state, "survey": surveys.survey_view(LINK_SURVEY)}


def answer_link_survey(
    uow: UnitOfWork, token: str, answers: Mapping[str, object]
) -> dict[str, Any]:
    """One answer sheet through the link, linked to its application and booth, in the link's
    own actor (``ratings.service.link_actor``) with its audit entry. The link row is locked,
    so two submissions at once through one link record one sheet."""
    linked = ratings.linked_application(uow, token, lock=True)
    if not linked.rated:
        raise RatingFirst("请先完成评价，再填写问卷", data={"receipt_no": linked.receipt_no})
    if surveys.has_sheet(uow, linked.receipt_no, LINK_SURVEY):
        raise AlreadyAnswered(
            "该业务已填写过服务体验问卷，每笔业务只能填写一次，感谢您的反馈",
            data={"survey": LINK_SURVEY},
        )
    return surveys.record_link_response(
        uow,
        ratings.link_actor(token),
        receipt_no=linked.receipt_no,
        answers=answers,
        survey_code=LINK_SURVEY,
    )
