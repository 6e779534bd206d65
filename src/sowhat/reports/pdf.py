"""HTML reports to PDF with WeasyPrint: the same document, paginated by its print CSS.

WeasyPrint is imported only here and only when a PDF is asked for: it needs Pango at run
time (Debian: libpango-1.0-0 libpangoft2-1.0-0), and nothing else in Sowhat should fail to
start without it."""

from __future__ import annotations

from sowhat.errors import UserError

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # OSError: Pango's shared libraries are missing
        raise UserError(
            f"PDF output needs WeasyPrint and Pango: {exc}",
            hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0 (Debian/Ubuntu), "
            "or use --format html and print it from a browser",
        ) from None
    pdf = HTML(string=html, base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
