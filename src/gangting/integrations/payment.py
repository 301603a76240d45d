"""The payment port: the non-tax revenue payment platform (非税收入缴款平台).

A real platform confirms asynchronously, declines, and sometimes does not answer in time.
The fake behaves the same way, keyed by our ``payment_no`` (the platform is idempotent on
it, so creating the same order twice never charges twice). The payer code read by the
booth's payment terminal steers the fake:

* ``DECLINE…``  the payer's bank declines (余额不足);
* ``TIMEOUT…``  the order is created but the answer is lost; a later query finds it paid;
* ``LOST…``     the request is lost before the platform; a later query knows no such order;
* anything else: paid, confirmed ``confirm_after_s`` seconds after creation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from gangting.integrations.store import DocumentStore
from gangting.kernel.clock import Clock

OrderState = Literal["pending", "paid", "declined", "unknown"]


@dataclass(frozen=True)
class OrderStatus:
    state: OrderState
    platform_ref: str | None = None
    reason: str | None = None


class PaymentTimeout(Exception):
    """The platform did not answer in time; the order may or may not exist."""


class PaymentPlatform(Protocol):
    def create_order(
        self, payment_no: str, amount_fen: int, payer_code: str, description: str
    ) -> OrderStatus: ...

    def query_order(self, payment_no: str) -> OrderStatus: ...

    def close(self) -> None:
        """Release the adapter's connections (the context's end)."""


class FakePaymentPlatform:
    def __init__(self, path: Path, *, clock: Clock, confirm_after_s: float = 0.0) -> None:
        self._store = DocumentStore(path)
        self._clock = clock
        self._confirm_after_s = confirm_after_s

    def create_order(
        self, payment_no: str, amount_fen: int, payer_code: str, description: str
    ) -> OrderStatus:
        code = payer_code.upper()
        if code.startswith("LOST"):
            raise PaymentTimeout(payment_no)
        outcome = "declined" if code.startswith("DECLINE") else "paid"
        order = self._store.put_new(
            payment_no,
            {
                "amount_fen": amount_fen,
                "outcome": outcome,
                "created_at": self._clock.now().isoformat(),
                "platform_ref": f"FS{payment_no}",
                "description": description,
            },
        )
        if code.startswith("TIMEOUT"):
            raise PaymentTimeout(payment_no)
        return self._status(order)

    def close(self) -> None:
        self._store.close()

    def query_order(self, payment_no: str) -> OrderStatus:
        order = self._store.get(payment_no)
        if order is None:
            return OrderStatus("unknown")
        return self._status(order)

    def _status(self, order: dict[str, object]) -> OrderStatus:
        ref = str(order["platform_ref"])
        if order["outcome"] == "declined":
            return OrderStatus("declined", ref, "付款方银行拒绝支付（余额不足）")
        created = datetime.fromisoformat(str(order["created_at"]))
        if (self._clock.now() - created).total_seconds() < self._confirm_after_s:
            return OrderStatus("pending", ref)
        return OrderStatus("paid", ref)
