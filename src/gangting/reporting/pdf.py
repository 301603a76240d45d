"""The reports as PDF: WeasyPrint (BSD-3-Clause) over the same self-contained HTML
(docs/decisions/0024-reports.md). Its URL fetcher refuses every URL but ``data:``, so
printing never touches a network: the fonts and charts are inside the HTML already."""

from __future__ import annotations

from typing import Any


class ExternalResourceRefused(RuntimeError):
    """The document asked for something outside itself."""


def _no_network(url: str, *args: Any, **kwargs: Any) -> Any:
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ExternalResourceRefused(f"报表不得引用外部资源：{url[:80]}")


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (fonts embedded as subsets)."""
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=_no_network, base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
