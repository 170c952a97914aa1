"""Render the TrainDesk application icon from SVG to PNGs.

Why this exists: the icon is drawn once, as ``resources/traindesk.svg``, but
desktops, installers and window managers want fixed-size raster icons
(hicolor theme sizes, Windows .ico / macOS .icns sources).  The PNGs in
``resources/icons/`` are committed so nothing at build or run time needs
QtSvg; after editing an SVG, run this script to regenerate them:

    python packaging/render_icons.py

Sizes of 24 px and below come from ``resources/traindesk-small.svg``, a
simplified variant (same tile, curve and colours, fewer and thicker shapes)
because the full drawing turns to mush when merely downscaled that far.

Rendering uses PySide6's QSvgRenderer onto a transparent, antialiased
QImage, and works headless (QT_QPA_PLATFORM defaults to ``offscreen``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
SMALL_MAX = 24  # sizes up to this use the simplified drawing

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
FULL_SVG = RESOURCES / "traindesk.svg"
SMALL_SVG = RESOURCES / "traindesk-small.svg"
OUT_DIR = RESOURCES / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841

    renderers = {}
    for svg in (FULL_SVG, SMALL_SVG):
        renderer = QSvgRenderer(str(svg))
        if not renderer.isValid():
            print(f"cannot render {svg}", file=sys.stderr)
            return 1
        renderers[svg] = renderer

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        svg = SMALL_SVG if size <= SMALL_MAX else FULL_SVG
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderers[svg].render(painter)
        painter.end()
        out = OUT_DIR / f"traindesk-{size}.png"
        if not image.save(str(out)):
            print(f"cannot write {out}", file=sys.stderr)
            return 1
        print(f"{out.relative_to(ROOT)}  ({svg.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
