"""The centre serves the platform's icon, and every page it serves links it (no 404 in the
browser's console)."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.parametrize("name", ["favicon.svg", "favicon.ico"])
def test_the_centre_serves_its_icon(centre_url: str, name: str) -> None:
    r = httpx.get(f"{centre_url}/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/")


@pytest.mark.parametrize("page", ["/centre/", "/centre/records.html", "/m/"])
def test_every_page_links_an_icon_that_exists(centre_url: str, page: str) -> None:
    html = httpx.get(f"{centre_url}{page}", follow_redirects=True).text
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon, page
    assert httpx.get(f"{centre_url}{icon.group(1)}").status_code == 200
