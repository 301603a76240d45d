"""The duty officer's records API: search by plate / booth / time, closed history with who
closed each item and the note, pagination, CSV export (UTF-8 with a BOM), all within the
caller's org scope; and the watch list a page at a time."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.command_centre import scenario
from tests.command_centre.conftest import Centre


def seed(centre: Centre) -> str:
    """Reads at both booths over the last hour, a listed plate read at KDL; returns the
    hit's id."""
    now = centre.clock.now()
    new_uow = centre.ctx.uow
    for i in range(25):
        scenario.read_plate(new_uow, "BT-KDL-001", f"蒙B1{i:04d}", now - timedelta(minutes=50 - i))
    scenario.read_plate(new_uow, "BT-QS-001", "蒙B12345", now - timedelta(minutes=5))
    scenario.watch(new_uow, "sup-kdl", "off-kdl-1", "蒙B·7Q260", centre.clock)
    _, hit = scenario.read_plate(new_uow, "BT-KDL-001", "蒙B7Q260", now - timedelta(seconds=30))
    assert hit is not None
    return str(hit["id"])


def test_plate_reads_are_searched_by_plate_booth_and_time_a_page_at_a_time(
    centre: Centre,
) -> None:
    seed(centre)
    path = "/api/v1/centre/records/plate_reads"
    first = centre.get("admin", path, size=10).json()
    assert (first["total"], first["pages"], first["page"]) == (27, 3, 1)
    assert [c["zh"] for c in first["columns"]][:3] == ["过车时间", "号牌", "岗亭"]
    third = centre.get("admin", path, size=10, page=3).json()
    assert len(third["rows"]) == 7
    seen = {r["id"] for r in first["rows"]} | {r["id"] for r in third["rows"]}
    assert len(seen) == 17  # no row on two pages
    # the plate as written, or a part of it
    assert [r["plate"] for r in centre.get("admin", path, plate="蒙B·12345").json()["rows"]] == [
        "蒙B·12345"
    ]
    assert centre.get("admin", path, plate="7q26").json()["total"] == 1
    assert centre.get("admin", path, booth="BT-QS-001").json()["total"] == 1
    since = (centre.clock.now() - timedelta(minutes=30)).isoformat()
    until = (centre.clock.now() - timedelta(minutes=27)).isoformat()
    timed = centre.get("admin", path, booth="BT-KDL-001", since=since, until=until).json()
    assert [r["plate"] for r in timed["rows"]] == ["蒙B·10022", "蒙B·10021", "蒙B·10020"]


def test_records_are_cut_to_the_callers_unit(centre: Centre) -> None:
    seed(centre)
    path = "/api/v1/centre/records/plate_reads"
    assert centre.get("off-qs-1", path).json()["total"] == 1
    assert centre.get("off-qs-1", path, plate="7Q260").json()["rows"] == []
    assert centre.get("off-qs-1", "/api/v1/centre/records/hits").json()["total"] == 0
    assert centre.get("off-qs-1", "/api/v1/centre/records/alerts").json()["total"] == 0
    assert centre.get("sup-kdl", "/api/v1/centre/records/hits").json()["total"] == 1
    assert centre.get("admin", "/api/v1/centre/records/nothing").status_code == 422


def test_closed_history_says_who_closed_each_item_and_the_note(centre: Centre) -> None:
    hit_id = seed(centre)
    r = centre.post(
        "sup-kdl", f"/api/v1/staff/watch-list-hits/{hit_id}/reject", {"note": "号牌实为蒙B·7Q268"}
    )
    assert r.status_code == 200, r.text
    alert = centre.get("sup-kdl", "/api/v1/staff/alerts", kind="hit").json()["alerts"][0]
    if alert["state"] != "closed":
        r = centre.post("sup-kdl", f"/api/v1/staff/alerts/{alert['id']}/close", {"note": "误报"})
        assert r.status_code == 200, r.text
    hits = centre.get("admin", "/api/v1/centre/records/hits", closed="true").json()
    (row,) = hits["rows"]
    assert (row["state"], row["note"]) == ("已否定", "号牌实为蒙B·7Q268")
    assert "sup-kdl" in row["closed_by"]
    alerts = centre.get("admin", "/api/v1/centre/records/alerts", closed="true").json()
    assert alerts["total"] == 1
    assert alerts["rows"][0]["state"] == "已关闭" and "sup-kdl" in alerts["rows"][0]["closed_by"]
    # an alert found by the plate in its title
    assert centre.get("admin", "/api/v1/centre/records/alerts", plate="蒙B7Q260").json()["total"]
    # nothing still open in the history
    assert (
        centre.get("admin", "/api/v1/centre/records/instructions", closed="true").json()["rows"]
        == []
    )


def test_a_cancelled_instruction_shows_who_cancelled_it_and_why(centre: Centre) -> None:
    r = centre.post(
        "sup-kdl",
        "/api/v1/staff/instructions",
        {"kind": "general", "text": "今晚夜查，请按时到岗", "targets": {"squadron": "KDL-1"}},
    )
    assert r.status_code == 201, r.text
    r = centre.post(
        "sup-kdl", f"/api/v1/staff/instructions/{r.json()['id']}/cancel", {"reason": "计划取消"}
    )
    assert r.status_code == 200, r.text
    page = centre.get("admin", "/api/v1/centre/records/instructions", closed="true").json()
    (row,) = page["rows"]
    assert (row["state"], row["note"]) == ("已撤销", "计划取消")
    assert "sup-kdl" in row["closed_by"] and "sup-kdl" in row["issued_by"]
    # officers see only what went to them
    assert centre.get("off-kdl-1", "/api/v1/centre/records/instructions").json()["total"] == 1
    assert centre.get("off-qs-1", "/api/v1/centre/records/instructions").json()["total"] == 0


def test_a_search_is_exported_as_csv_with_a_bom_and_audited(centre: Centre) -> None:
    seed(centre)
    r = centre.get("admin", "/api/v1/centre/records/plate_reads/export", booth="BT-KDL-001")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["过车时间", "号牌", "岗亭"]
    assert len(rows) == 1 + 26 and all(row[2] == "BT-KDL-001" for row in rows[1:])
    from sqlalchemy import select

    from gangting.audit.models import AuditEntry

    with centre.ctx.uow() as uow:
        (entry,) = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "records.exported")
        ).scalars()
        assert entry.data["rows"] == 26 and entry.data["filters"]["booth"] == "BT-KDL-001"


def test_the_watch_list_comes_a_page_at_a_time_with_its_total(centre: Centre) -> None:
    for plate in ("蒙B·7Q260", "蒙B·7Q261", "蒙B·7Q262"):
        scenario.watch(centre.ctx.uow, "sup-kdl", "off-kdl-1", plate, centre.clock)
    first = centre.get("off-kdl-1", "/api/v1/staff/watch-list", limit=2).json()
    second = centre.get("off-kdl-1", "/api/v1/staff/watch-list", limit=2, offset=2).json()
    assert first["total"] == 3 and len(first["entries"]) == 2 and len(second["entries"]) == 1
    assert {e["plate"] for e in first["entries"] + second["entries"]} == {
        "蒙B·7Q260",
        "蒙B·7Q261",
        "蒙B·7Q262",
    }
