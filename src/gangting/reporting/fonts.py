"""The CJK font the reports embed: the system's Noto Sans CJK SC (fonts-noto-cjk, SIL Open
Font Licence 1.1, which allows embedding), cut down to the characters one document uses and
inlined as a WOFF2 ``data:`` URL in its CSS. The HTML then shows the same glyphs on any
machine, and WeasyPrint embeds the same subset in the PDF; nothing is fetched.

``GANGTING_REPORT_FONT`` (a settings field) may name another file (``path`` or
``path#index`` for a collection); else ``fc-match`` finds one, else the Debian path."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from functools import cache
from pathlib import Path

FAMILY = "GangtingCJK"
DEBIAN_NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


class FontMissing(RuntimeError):
    """No CJK font file was found: the reports cannot embed one."""


@cache
def find_cjk_font(configured: str = "") -> tuple[Path, int]:
    """(file, index in a collection) of the CJK font to embed."""
    if configured:
        path, _, index = configured.partition("#")
        return Path(path), int(index or 0)
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            answer = subprocess.run(
                [fc_match, "-f", "%{file}#%{index}", "Noto Sans CJK SC:lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
            path, _, index = answer.partition("#")
            if path and "CJK" in path and Path(path).exists():
                return Path(path), int(index or 0)
        except (subprocess.SubprocessError, ValueError):
            pass
    if DEBIAN_NOTO.exists():
        return DEBIAN_NOTO, 2  # the collection's Simplified Chinese face
    raise FontMissing("找不到中文字体（请安装 fonts-noto-cjk 或设置 GANGTING_REPORT_FONT）")


def subset_woff2(text: str, configured: str = "") -> bytes:
    """The CJK font cut down to the characters of ``text`` (plus ASCII), as WOFF2."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path, index = find_cjk_font(configured)
    font = TTFont(str(path), fontNumber=index, lazy=True, recalcBBoxes=False)
    options = subset.Options()
    options.flavor = "woff2"
    # Horizontal Chinese, digits and Latin need no OpenType layout (the face chosen is the
    # Simplified Chinese one, so no locl substitution either): dropping GSUB/GPOS and the
    # hinting makes the cut several times faster (about 0.5 s instead of 3 s).
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "VORG", "vhea", "vmtx"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    chars = set(text) | {chr(c) for c in range(32, 127)} | set("，。：；（）、“”《》—…·％")
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def font_face_css(text: str, configured: str = "") -> str:
    """An ``@font-face`` rule for ``FAMILY`` with the subset inlined."""
    data = base64.b64encode(subset_woff2(text, configured)).decode("ascii")
    return (
        f"@font-face{{font-family:'{FAMILY}';font-style:normal;font-weight:100 900;"
        f"src:url(data:font/woff2;base64,{data}) format('woff2');}}"
    )
