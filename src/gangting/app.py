"""The composition root of the centre's API: every router, the middleware, the error
handlers and the authenticator, wired once (decision 0008). Nothing imports this module
but the entry points (asgi, cli) and the tests."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import Field

from gangting import __version__
from gangting.alerts.routes import router as alerts_router
from gangting.booths.command_routes import router as booth_commands_router
from gangting.booths.credentials import authenticate
from gangting.booths.routes import router as booth_login_router
from gangting.command_centre.runtime import install_command_centre
from gangting.context import Context
from gangting.desks.accident_routes import router as accidents_router
from gangting.desks.accident_routes import staff_router as accidents_staff_router
from gangting.desks.approval_routes import router as approvals_router
from gangting.desks.booth_command_routes import router as booth_command_issue_router
from gangting.desks.booth_report_routes import router as booths_router
from gangting.desks.citizen_routes import router as citizens_router
from gangting.desks.detection_routes import router as detection_router
from gangting.desks.fine_deferral_routes import router as fine_deferrals_router
from gangting.desks.fine_deferral_routes import staff_router as fine_deferrals_staff_router
from gangting.desks.identity_routes import router as identity_router
from gangting.desks.late_fee_pause_routes import staff_router as fines_staff_router
from gangting.desks.ledger_routes import router as ledger_router
from gangting.desks.licence_routes import router as licences_router
from gangting.desks.licence_routes import staff_router as licences_staff_router
from gangting.desks.link_survey_routes import router as link_survey_router
from gangting.desks.payment_routes import router as fines_router
from gangting.desks.plate_read_routes import router as plate_read_reports_router
from gangting.desks.point_routes import router as points_router
from gangting.desks.referral_routes import objection_router
from gangting.desks.referral_routes import router as referrals_router
from gangting.desks.referral_routes import staff_router as referrals_staff_router
from gangting.desks.staff_role_routes import router as staff_accounts_router
from gangting.desks.supervision_routes import router as audit_router
from gangting.desks.vehicle_routes import router as vehicles_router
from gangting.desks.violation_routes import router as violations_router
from gangting.desks.watch_list_entry_routes import router as watch_list_entry_router
from gangting.guides.routes import router as guides_router
from gangting.instructions.pages import router as officer_page_router
from gangting.instructions.routes import router as instructions_router
from gangting.kernel.errors import Forbidden
from gangting.plate_reads.routes import router as plate_reads_router
from gangting.ratings.public_routes import router as rating_link_router
from gangting.ratings.remedy_routes import router as remedies_router
from gangting.ratings.routes import router as ratings_router
from gangting.reporting.accident_pdf import router as accident_pdf_router
from gangting.reporting.routes import router as reports_router
from gangting.staff.routes import router as staff_router
from gangting.staff.routes import session_router as staff_session_router
from gangting.surveys.routes import router as surveys_router
from gangting.surveys.routes import staff_router as surveys_staff_router
from gangting.watchlists.routes import router as watch_list_router
from gangting.web.body_limit import BodyLimit
from gangting.web.deps import ActorDep
from gangting.web.errors import install_error_handlers
from gangting.web.headers import SecurityHeaders
from gangting.web.offline import offline_app
from gangting.web.openapi import Answer
from gangting.web.server_timing import ServerTiming

DESCRIPTION = """
**岗亭 gangting** — 交通智慧岗亭业务接口（包头市公安局交通管理支队“放管服”改革）。

岗亭设备先用 `/api/v1/auth/booth` 登录，再用 `/api/v1/identity/check` 完成人证核验，
之后所有市民业务携带 `X-Identity-Token`；每个写操作必须携带 `Idempotency-Key`。
每个决定都附理由与法律依据。Errors: `{"error": code, "message": zh-CN, "data": {...}}`.
"""


class Health(Answer):
    ok: bool = Field(description="服务在运行")
    version: str = Field(description="版本号")


async def docs_reader(actor: ActorDep) -> None:
    """The API documentation (GANGTING_API_DOCS=staff): staff members only, no booth."""
    if actor.kind != "staff":
        raise Forbidden("接口文档仅向已登录的民警开放", code="docs.staff_only")


def create_app(ctx: Context) -> FastAPI:
    app = offline_app(
        title="岗亭 gangting API",
        version=__version__,
        description=DESCRIPTION,
        api_docs=ctx.settings.api_docs,
        docs_reader=docs_reader,
    )
    app.state.context = ctx
    app.state.authenticate = authenticate
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=ctx.settings.max_body_bytes)
    app.add_middleware(ServerTiming)
    app.add_middleware(SecurityHeaders, hsts_seconds=ctx.settings.hsts_seconds)

    for router in (
        staff_router,
        staff_session_router,
        booth_login_router,
        identity_router,
        citizens_router,
        violations_router,
        fines_router,
        licences_router,
        vehicles_router,
        points_router,
        ratings_router,
        remedies_router,
        rating_link_router,
        link_survey_router,
        surveys_router,
        surveys_staff_router,
        booths_router,
        booth_command_issue_router,
        booth_commands_router,
        plate_read_reports_router,
        plate_reads_router,
        watch_list_entry_router,
        watch_list_router,
        alerts_router,
        instructions_router,
        officer_page_router,
        audit_router,
        fines_staff_router,
        fine_deferrals_router,
        fine_deferrals_staff_router,
        referrals_router,
        objection_router,
        referrals_staff_router,
        accident_pdf_router,
        accidents_router,
        accidents_staff_router,
        approvals_router,
        staff_accounts_router,
        detection_router,
        ledger_router,
        reports_router,
        guides_router,
        licences_staff_router,
    ):
        app.include_router(router)
    install_command_centre(app, ctx)

    @app.get("/healthz", response_model=Health, tags=["运维 ops"])
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

    return app
