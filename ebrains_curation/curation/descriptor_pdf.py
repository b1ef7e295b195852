"""The Data Descriptor as a PDF (fpdf2), the format EBRAINS publishes next to the data.

fpdf2 is pure Python, so a PDF comes out on any machine, without LibreOffice or a browser.
Text is set in a Unicode TrueType font when one is found (DejaVu or Liberation, from the
system or from matplotlib); otherwise in the PDF core fonts, which cover Latin-1 only, so
other characters are spelled out ("—" as "-", "…" as "...") or replaced by "?".
Passages the authors still have to write sit on a yellow band, starting with
``TO BE WRITTEN BY THE AUTHORS``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .descriptor import Descriptor

__all__ = ["find_fonts", "to_pdf"]

#: (regular, bold, italic, mono) file names per family, tried in order
_FAMILIES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSansMono.ttf"),
    (
        "LiberationSans-Regular.ttf",
        "LiberationSans-Bold.ttf",
        "LiberationSans-Italic.ttf",
        "LiberationMono-Regular.ttf",
    ),
)
_FOLDERS = ("/usr/share/fonts/truetype", "/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts")
_LATIN1 = str.maketrans({"—": "-", "–": "-", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "-"})
_YELLOW = (255, 243, 205)


def _search_dirs() -> list[Path]:
    dirs = [Path(d) for d in _FOLDERS]
    try:  # matplotlib ships DejaVu; use it when it is there
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        dirs.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf")
    except ImportError:
        pass
    return [d for d in dirs if d.is_dir()]


def find_fonts() -> dict[str, Path] | None:
    """Paths of a Unicode font family ({"": regular, "B": bold, "I": italic, "mono": mono}), or None."""
    dirs = _search_dirs()
    for family in _FAMILIES:
        found: dict[str, Path] = {}
        for style, name in zip(("", "B", "I", "mono"), family, strict=True):
            for d in dirs:
                hits = sorted(d.rglob(name))
                if hits:
                    found[style] = hits[0]
                    break
        if len(found) == 4:
            return found
    return None


class _Writer:
    """Draws the descriptor page by page; knows whether the fonts are Unicode."""

    def __init__(self, doc: Descriptor):
        from fpdf import FPDF

        self.doc = doc
        fonts = find_fonts()
        self.unicode = fonts is not None
        writer = self

        class _PDF(FPDF):
            def header(self) -> None:
                writer.font("I", 9)
                self.set_text_color(90, 90, 90)
                self.cell(0, 6, writer.text(f"Title: '{doc.title}'  |  version: {doc.version or '-'}"))
                self.ln(10)
                self.set_text_color(0, 0, 0)

            def footer(self) -> None:
                self.set_y(-15)
                writer.font("", 9)
                self.cell(0, 10, str(self.page_no()), align="C")

        self.pdf = _PDF(format="A4")
        self.pdf.set_margins(20, 20, 20)
        self.pdf.set_auto_page_break(True, margin=20)
        self.pdf.set_title(f"Data Descriptor: {doc.title}")
        self.pdf.set_creator("ebrains-curation")
        if fonts is not None:
            for style in ("", "B", "I"):
                self.pdf.add_font("body", style, str(fonts[style]))
            self.pdf.add_font("mono", "", str(fonts["mono"]))

    def font(self, style: str = "", size: float = 11, mono: bool = False) -> None:
        if self.unicode:
            self.pdf.set_font("mono" if mono else "body", "" if mono else style, size)
        else:
            self.pdf.set_font("Courier" if mono else "Helvetica", "" if mono else style, size)

    def text(self, value: str) -> str:
        """The text as the current fonts can show it."""
        if self.unicode:
            return value
        value = unicodedata.normalize("NFC", value.translate(_LATIN1))
        return value.encode("latin-1", "replace").decode("latin-1")

    def para(
        self, value: str, style: str = "", size: float = 11, indent: float = 0, fill: bool = False
    ) -> None:
        self.font(style, size)
        self.pdf.set_x(self.pdf.l_margin + indent)
        self.pdf.multi_cell(0, 5.5, self.text(value), fill=fill, align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1.5)

    def block(self, kind: str, value: Any) -> None:
        from .descriptor import TODO_MARK

        if kind == "p":
            self.para(str(value))
        elif kind == "list":
            for item in value:
                self.para(f"- {item}" if not self.unicode else f"• {item}", indent=4)
        elif kind == "sub":
            self.para(str(value), style="B")
        elif kind == "pre":
            self.font(mono=True, size=8)
            self.pdf.multi_cell(0, 4, self.text(str(value)), new_x="LMARGIN", new_y="NEXT")
            self.pdf.ln(2)
        elif kind == "todo":
            self.pdf.set_fill_color(*_YELLOW)
            self.para(f"{TODO_MARK}: {value}", style="B", size=10, fill=True)

    def render(self) -> bytes:
        self.pdf.add_page()
        self.font("B", 20)
        self.pdf.cell(0, 12, "DATA DESCRIPTOR", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)
        from .descriptor import TODO_MARK

        self.para(
            f"Draft generated by ebrains-curation from the metadata. Passages marked {TODO_MARK} "
            "must be written before submission.",
            style="I",
            size=9,
        )
        for s in self.doc.sections:
            self.pdf.ln(2)
            self.para(s.title.upper(), style="B", size=11)
            for kind, value in s.blocks:
                self.block(kind, value)
        return bytes(self.pdf.output())


def to_pdf(doc: Descriptor) -> bytes:
    """The bytes of a PDF holding ``doc``."""
    return _Writer(doc).render()
