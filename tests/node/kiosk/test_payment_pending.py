"""A payment whose platform answer is lost: confirmed by polling, never charged twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.node.kiosk.conftest import Stack
from tests.node.kiosk.flows import Kiosk, payment_pending

pytestmark = pytest.mark.kiosk


def test_timed_out_payment_is_confirmed_by_polling_and_paid_once(
    page: Page, fresh_stack: Callable[[str], Stack]
) -> None:
    stack = fresh_stack("pending")
    person = stack.demo.citizens["full_score"]
    centre = stack.centre
    unpaid_before = centre.count(
        "SELECT count(*) FROM penalty_decisions d JOIN citizens c ON c.id = d.citizen_id "
        "WHERE c.id_number = ? AND d.state != 'paid' AND d.fine_fen > 0",
        person["id_number"],
    )
    assert unpaid_before >= 1

    def succeeded() -> int:
        return centre.count(
            "SELECT count(*) FROM payments p JOIN citizens c ON c.id = p.citizen_id "
            "WHERE c.id_number = ? AND p.state = 'succeeded'",
            person["id_number"],
        )

    paid_before = succeeded()
    k = Kiosk(page, stack.node.url)
    k.open()
    states = payment_pending(k, stack.demo)
    assert "pending" in states
    polls = [c for c in k.metrics()["calls"] if c["step"] == "GET /payments/{no}"]
    assert polls and polls[-1]["status"] == 200
    screens = k.metrics()["screens"]
    assert screens[screens.index("pay") + 1] == "receipt"
    # exactly one new succeeded payment and no other attempt; no decision paid twice
    assert succeeded() == paid_before + 1
    assert (
        centre.count(
            "SELECT count(*) FROM payments p JOIN citizens c ON c.id = p.citizen_id "
            "WHERE c.id_number = ? AND p.state != 'succeeded'",
            person["id_number"],
        )
        == 0
    )
    twice = centre.count(
        "SELECT count(*) FROM (SELECT i.decision_id FROM payment_items i "
        "JOIN payments p ON p.id = i.payment_id JOIN citizens c ON c.id = p.citizen_id "
        "WHERE c.id_number = ? AND p.state = 'succeeded' "
        "GROUP BY i.decision_id HAVING count(*) > 1)",
        person["id_number"],
    )
    assert twice == 0
    covered = centre.count(
        "SELECT count(*) FROM payment_items i JOIN payments p ON p.id = i.payment_id "
        "WHERE p.id = (SELECT p2.id FROM payments p2 JOIN citizens c ON c.id = p2.citizen_id "
        "WHERE c.id_number = ? ORDER BY p2.created_at DESC LIMIT 1)",
        person["id_number"],
    )
    assert covered >= unpaid_before
    assert (
        centre.count(
            "SELECT count(*) FROM penalty_decisions d JOIN citizens c ON c.id = d.citizen_id "
            "WHERE c.id_number = ? AND d.state != 'paid' AND d.fine_fen > 0",
            person["id_number"],
        )
        == 0
    )
