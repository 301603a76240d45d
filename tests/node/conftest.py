"""A booth node wired to a real centre app: the node's httpx client reaches the centre's
ASGI app through a link that can go down or lose an answer, like a real network."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gangting.booths.evidence_keys import register_evidence_key
from gangting.kernel.actor import SYSTEM
from gangting.node.app import create_node_app
from gangting.node.config import NodeSettings
from gangting.node.evidence_key import key_path, load_or_create, public_key
from gangting.node.service import KioskService
from tests import builders
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]


class CentreLink(httpx.BaseTransport):
    """Forwards the node's requests to the centre's test client. ``down``: the request
    never arrives; ``lose_answers``: it arrives and commits, the answer is lost."""

    def __init__(self, centre: TestClient) -> None:
        self.centre = centre
        self.down = False
        self.lose_answers = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("centre unreachable", request=request)
        r = self.centre.request(
            request.method,
            request.url.raw_path.decode(),
            content=request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        )
        if self.lose_answers:
            raise httpx.ReadTimeout("answer lost", request=request)
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Node:
    client: TestClient
    link: CentreLink
    settings: NodeSettings
    clock: FakeMonotonic
    restart: Callable[[], Node] = field(repr=False)

    @property
    def kiosk(self) -> KioskService:
        kiosk: KioskService = self.client.app.state.kiosk  # type: ignore[attr-defined]
        return kiosk

    def begin(self, id_number: str) -> Any:
        """Start a session with this card on the reader and identify."""
        assert self.client.post("/kiosk/api/session").status_code == 200
        card = self.client.post("/kiosk/api/sim/id-card", json={"id_number": id_number})
        assert card.status_code == 200, card.text
        r = self.client.post("/kiosk/api/identify")
        assert r.status_code == 200, r.text
        return r.json()


def count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def register_node_key(api: Api, settings: NodeSettings) -> str:
    """Provision the node's evidence key as an admin would (decision 0018): the node makes
    its key pair in its data dir, the centre's registry gets the public key."""
    key = public_key(load_or_create(key_path(settings.var_dir, settings.booth_code)))
    with api.ctx.uow() as uow:
        register_evidence_key(uow, SYSTEM, settings.booth_code, key)
    return key


@pytest.fixture
def node(api: Api, world: dict[str, Any], tmp_path: Path) -> Iterator[Node]:
    settings = NodeSettings(
        booth_code="BT-KDL-001",
        booth_secret=builders.BOOTH_SECRET,
        centre_url="http://centre",
        var_dir=tmp_path / "node",
        demo_credentials=tmp_path / "none.txt",
        idle_timeout_s=120,
    )
    link = CentreLink(api.client)
    clock = FakeMonotonic()
    clients: list[TestClient] = []
    register_node_key(api, settings)

    def start() -> Node:
        app = create_node_app(settings, centre_transport=link, clock=clock, background=False)
        app.state.kiosk.wall = api.clock  # reports and signs with the centre's test time
        client = TestClient(app, raise_server_exceptions=False)
        if clients:  # a restart: the old node stops, the browser keeps its cookie
            clients[-1].__exit__(None, None, None)
            client.cookies.update(clients[-1].cookies)
        client.__enter__()
        clients.append(client)
        return Node(client, link, settings, clock, start)

    yield start()
    clients[-1].__exit__(None, None, None)
