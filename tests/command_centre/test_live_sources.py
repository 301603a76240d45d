"""The live feed publishes what the domains declare (kernel.live.LiveSource), nothing else:
a source declared for a model is picked up by the change capture, which itself knows no
model (no per-type branch anywhere in it)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import gangting.command_centre as command_centre_package
from gangting.alerts.models import Alert
from gangting.booths.models import Booth, BoothCommand, BoothState, HelpCall
from gangting.command_centre.changes import ChangeFeed, install_feed
from gangting.command_centre.live_capture import Watched
from gangting.command_centre.live_sources import live_sources
from gangting.command_centre.views import ScreenPolicy
from gangting.instructions.models import Instruction
from gangting.kernel.live import LiveReads, LiveSource, LiveView
from gangting.plate_reads.models import PlateReadRecord
from gangting.watchlists.models import WatchListHit
from tests.command_centre import scenario
from tests.command_centre.conftest import RecordingSink, World


def _booth(reads: LiveReads, row: Booth) -> LiveView | None:
    """A made-up source: a booth row as a 'booth_state' event carrying its name."""
    booth = reads.booth(row.id)
    if booth is None:
        return None
    return LiveView({"name": row.name, "via": "test source"}, booth.org_path, booth.code)


Recorded = tuple[RecordingSink, ChangeFeed]
Install = Callable[..., ChangeFeed]


@pytest.fixture
def publish_only() -> Iterator[Install]:
    """Installs a running feed that publishes only the given sources (over the default
    feed of ``recorded``: the latest installed wins)."""
    running: list[tuple[ChangeFeed, Callable[[], None]]] = []

    def install(*sources: LiveSource[LiveReads]) -> ChangeFeed:
        feed = ChangeFeed(sources=sources)
        feed.start()
        running.append((feed, install_feed(feed)))
        return feed

    yield install
    for feed, remove in reversed(running):
        remove()
        feed.stop()


def _rename(world: World, code: str, name: str) -> None:
    with world.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one()
        booth.name = name


def test_a_source_declared_for_a_model_is_published_and_undeclared_ones_are_not(
    world: World, recorded: Recorded, publish_only: Install
) -> None:
    sink, _default = recorded
    feed = publish_only(LiveSource(Booth, "booth_state", _booth))
    _rename(world, "BT-KDL-001", "昆区一号岗亭（新）")
    scenario.telemetry(world.uow, "BT-KDL-001", "door", "open", world.clock.now())
    scenario.help_call(world.uow, "BT-QS-001")
    assert feed.drain(10)
    (event,) = sink.events  # the booth's state, the alert and the help call: not declared
    assert event.kind == "booth_state" and event.booth == "BT-KDL-001"
    assert event.data == {"name": "昆区一号岗亭（新）", "via": "test source"}
    assert event.org_path == "/BT/KDL/KDL-1/"
    assert feed.stats["booth_state"] == 1


def test_a_change_to_a_row_a_source_is_touched_by_publishes_the_source_row_again(
    world: World, recorded: Recorded, publish_only: Install
) -> None:
    sink, _default = recorded
    feed = publish_only(
        LiveSource(Booth, "booth_state", _booth, touched_by=((BoothState, "booth_id"),))
    )
    scenario.telemetry(world.uow, "BT-QS-001", "queue_length", 3, world.clock.now(), faults=False)
    assert feed.drain(10)
    (event,) = sink.events
    assert event.booth == "BT-QS-001" and event.data["via"] == "test source"


def test_the_centre_registers_one_source_per_watched_model() -> None:
    sources = live_sources(ScreenPolicy())
    assert {s.model: s.kind for s in sources} == {
        BoothState: "booth_state",
        PlateReadRecord: "plate_read",
        Alert: "alert",
        WatchListHit: "hit",
        HelpCall: "help_call",
        Instruction: "instruction",
        BoothCommand: "booth_command",
    }
    assert len(sources) == 7
    assert [s.model for s in sources if s.bulk_updates] == [BoothCommand]
    assert {s.model for s in sources if s.throttle is not None} == {BoothState, PlateReadRecord}


def test_two_sources_for_one_model_or_an_unknown_kind_are_refused() -> None:
    with pytest.raises(ValueError, match="two live sources"):
        Watched([LiveSource(Booth, "booth_state", _booth), LiveSource(Booth, "alert", _booth)])
    with pytest.raises(ValueError, match="unknown live event kind"):
        Watched([LiveSource(Booth, "booth_renamed", _booth)])


@pytest.mark.parametrize("module", ["changes", "live_capture", "live_throttle"])
def test_the_capture_and_the_worker_know_no_domain(module: str) -> None:
    """No model to switch on: the capture, the throttle and the worker import only the
    kernel and the command centre (the domains come in through live_sources)."""
    path = Path(command_centre_package.__file__).parent / f"{module}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    ours = {m for m in imported if m.startswith("gangting.")}
    assert ours, module
    assert all(m.startswith(("gangting.kernel", "gangting.command_centre")) for m in ours), ours
