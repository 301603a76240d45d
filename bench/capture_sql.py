"""Print the SQL the server runs for each booth transaction kind, with its transaction
boundaries: the reference for the statement shapes copied into ``sql_ceiling.py``.

    .venv/bin/python -m bench.capture_sql --database-url postgresql+psycopg://…/db

Runs the real app in-process (FastAPI TestClient, the real services and database) and
listens on the engine (``begin``/``commit``/``rollback``, ``before_cursor_execute``).
It consumes one item of each pool.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from bench.evidence import NONCE_PATH, signed_check
from bench.pools import BOOTH_SECRET, bench_today, certificate, ensure_booths, pick_pools
from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--demo-clock", default="")
    args = parser.parse_args()
    today = bench_today(args.demo_clock)
    ensure_booths(args.database_url, 1)
    pools = pick_pools(args.database_url, today, query_size=10)
    settings = Settings(
        database_url=args.database_url,
        demo_clock=args.demo_clock,
        var_dir=Path(tempfile.mkdtemp(prefix="gangting-capture-")),
    )
    ctx = build_context(settings)
    log: list[str] = []

    @event.listens_for(ctx.engine, "begin")
    def _begin(conn: Any) -> None:
        log.append("-- BEGIN")

    @event.listens_for(ctx.engine, "commit")
    def _commit(conn: Any) -> None:
        log.append("-- COMMIT")

    @event.listens_for(ctx.engine, "rollback")
    def _rollback(conn: Any) -> None:
        log.append("-- ROLLBACK")

    @event.listens_for(ctx.engine, "before_cursor_execute")
    def _sql(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        log.append(" ".join(statement.split()) + f"\n   params={params!r}"[:300])

    with TestClient(create_app(ctx)) as client:
        r = client.post(
            "/api/v1/auth/booth", json={"booth_code": "BENCH-001", "secret": BOOTH_SECRET}
        )
        token = r.json()["access_token"]
        base = {"Authorization": f"Bearer {token}"}

        def verify(id_number: str) -> dict[str, str]:
            log.append("=== identity nonce")
            nonce = client.post(NONCE_PATH, headers=base).json()["nonce"]
            log.append("=== identity check")
            r = client.post(
                "/api/v1/identity/check",
                json=signed_check("BENCH-001", id_number, nonce, args.demo_clock),
                headers={**base, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert r.status_code == 200, r.text
            return {**base, "X-Identity-Token": r.json()["identity_token"]}

        def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
            r = client.post(
                path, json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )
            assert r.status_code in (200, 201), r.text
            return r.json()

        log.clear()
        h = verify(pools.query[0])
        log.append("=== query GET /api/v1/me/violations")
        client.get("/api/v1/me/violations", headers=h).raise_for_status()

        item = pools.process.popleft()
        h = verify(item.id_number)
        log.append("=== process POST /api/v1/violations/process")
        out = post("/api/v1/violations/process", {"violation_refs": item.refs}, h)
        nos = [d["decision_no"] for d in out["decisions"] if d["fine_fen"] > 0]
        log.append("=== pay POST /api/v1/payments")
        post("/api/v1/payments", {"decision_nos": nos, "payer_code": "QR-bench"}, h)

        id_number, _ = pools.renew.popleft()
        h = verify(id_number)
        log.append("=== renew POST /api/v1/licences/renewal")
        post("/api/v1/licences/renewal", {"health_certificate": certificate(today)}, h)

        mark = pools.mark.popleft()
        h = verify(mark.id_number)
        log.append("=== mark POST /api/v1/vehicles/inspection-mark")
        post("/api/v1/vehicles/inspection-mark", {"plate": mark.plate}, h)
    print("\n".join(log))


if __name__ == "__main__":
    main()
