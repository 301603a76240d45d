"""The reports as PDF: WeasyPrint (BSD-3-Clause) over the same self-contained HTML
(docs/decisions/0024-reports.md). Its URL fetcher allows the ``data:`` scheme only and fails
the print on anything else, so printing never touches a network: the fonts and charts are
inside the HTML already."""

from __future__ import annotations


class ExternalResourceRefused(RuntimeError):
    """The document asked for something outside itself."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (fonts embedded as subsets)."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True, timeout=1)
    try:
        pdf = HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()
    except FatalURLFetchingError as exc:
        raise ExternalResourceRefused(f"报表不得引用外部资源：{exc}") from exc
    assert pdf is not None
    return bytes(pdf)
