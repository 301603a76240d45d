"""A real centre (seeded `tiny` SQLite) and a real booth node, shared by the kiosk tests."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.node.kiosk.flows import Kiosk
from tests.node.kiosk.stack import Centre, Demo, Node

PORTRAIT = {"width": 1080, "height": 1920}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "kiosk: browser tests of the kiosk screens (real centre + node)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/node/kiosk/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.kiosk)


@dataclass
class Stack:
    centre: Centre
    node: Node
    demo: Demo
    root: Path


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if shutil.which("chromium") is None:
        pytest.skip("system Chromium not installed")
    root = tmp_path_factory.mktemp("kiosk")
    centre = Centre(root / "centre")
    demo = centre.seed()
    shutil.copytree(centre.var_dir, root / "seeded")  # for fresh stacks: see `fresh_stack`
    centre.start()
    code, secret = demo.booths[0]
    node = Node(centre, code, secret, root / "node")
    try:
        node.start()
        yield Stack(centre, node, demo, root)
    finally:
        node.stop()
        centre.stop()


@pytest.fixture
def fresh_stack(stack: Stack) -> Iterator[Callable[[str], Stack]]:
    """A centre of its own on a copy of the seeded database, and a node on it: for tests
    that need personas nobody else has used (the shared stack's personas get spent)."""
    started: list[Stack] = []

    def make(name: str) -> Stack:
        root = stack.root / f"fresh-{name}-{len(started)}-{time.monotonic_ns()}"
        shutil.copytree(stack.root / "seeded", root / "centre")
        centre = Centre(root / "centre")
        centre.start()
        code, secret = stack.demo.booths[0]
        node = Node(centre, code, secret, root / "node")
        fresh = Stack(centre, node, stack.demo, root)
        started.append(fresh)
        node.start()
        return fresh

    try:
        yield make
    finally:
        for s in started:
            s.node.stop()
            s.centre.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def kiosk(page: Page, stack: Stack) -> Kiosk:
    k = Kiosk(page, stack.node.url)
    k.open()
    return k


@pytest.fixture
def fresh_kiosk(page: Page, fresh_stack: Callable[[str], Stack]) -> Callable[[str], Kiosk]:
    """The kiosk screen open on a fresh stack of its own (see ``fresh_stack``)."""

    def make(name: str) -> Kiosk:
        k = Kiosk(page, fresh_stack(name).node.url)
        k.open()
        return k

    return make
