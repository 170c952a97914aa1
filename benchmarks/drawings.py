"""An evaluation set of drawings of the ten Fashion-MNIST classes, in three styles.

Each item is a hand-placed outline (in a unit square, the shape a person would sketch), drawn on a
280x280 canvas as
  - silhouette: filled, light on dark (a paint-bucket drawing),
  - outline:    a light stroke on dark (drawing with the brush),
  - ink:        a dark stroke on white paper (a pen drawing, or a scan),
then brought to the model's framing with the same function the canvas and `predict` use.

Two sets: "realistic" (the default) draws each item the way people draw on the canvas: at a random
size (35-90% of the canvas), anywhere on it (often off-centre) and with a slight tilt (up to
+-TILT_DEG degrees); "upright" is the earlier set, random size and place but never tilted, kept for
comparison with older figures.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from core.pictures.framing import to_model_input

CANVAS = 280
STYLES = ("silhouette", "outline", "ink")
SETS = ("realistic", "upright")
TILT_DEG = 12  # the realistic set's largest tilt either way

# One closed outline per class (x, y in 0..1, y down), plus optional extra strokes.
SHAPES: dict[int, tuple[list, list]] = {
    0: ([(.3, .1), (.42, .1), (.5, .16), (.58, .1), (.7, .1), (.95, .3), (.85, .44), (.76, .36),
         (.76, .95), (.24, .95), (.24, .36), (.15, .44), (.05, .3)], []),                # T-shirt
    1: ([(.3, .03), (.7, .03), (.76, .97), (.57, .97), (.5, .3), (.43, .97), (.24, .97)], []),  # trouser
    2: ([(.32, .06), (.68, .06), (.9, .22), (.99, .92), (.85, .94), (.76, .42), (.76, .96),
         (.24, .96), (.24, .42), (.15, .94), (.01, .92), (.1, .22)], []),                # pullover
    3: ([(.4, .03), (.6, .03), (.62, .35), (.82, .97), (.18, .97), (.38, .35)], []),     # dress
    4: ([(.3, .03), (.7, .03), (.9, .18), (.99, .95), (.85, .96), (.78, .4), (.78, .99),
         (.22, .99), (.22, .4), (.15, .96), (.01, .95), (.1, .18)],
        [[(.5, .12), (.5, .99)]]),                                                        # coat
    5: ([(.03, .72), (.97, .72), (.97, .84), (.03, .84)],
        [[(.1, .72), (.35, .45), (.6, .72)], [(.55, .72), (.75, .4), (.9, .72)]]),       # sandal
    6: ([(.32, .06), (.44, .06), (.5, .16), (.56, .06), (.68, .06), (.9, .22), (.99, .9),
         (.85, .92), (.76, .42), (.76, .96), (.24, .96), (.24, .42), (.15, .92), (.01, .9),
         (.1, .22)], [[(.5, .16), (.5, .96)]]),                                           # shirt
    7: ([(.02, .55), (.3, .45), (.5, .3), (.68, .3), (.98, .62), (.98, .76), (.02, .76)], []),  # sneaker
    8: ([(.08, .38), (.92, .38), (.92, .97), (.08, .97)],
        [[(.3, .38), (.3, .1), (.7, .1), (.7, .38)]]),                                    # bag
    9: ([(.25, .04), (.6, .04), (.6, .5), (.97, .7), (.97, .92), (.25, .92)], []),       # ankle boot
}


def draw(label: int, style: str, rng: np.random.Generator, tilt_deg: float = 0.0) -> np.ndarray:
    """One drawing as a [280, 280] grey image in 0..1, as the canvas would hold it.

    With `tilt_deg`, the drawing is turned by up to that many degrees either way (about its centre)
    and placed so that it stays on the canvas."""
    outline, strokes = SHAPES[label]
    size = rng.uniform(0.35, 0.9) * CANVAS
    if not tilt_deg:  # the upright set: placed as before, draw for draw, so it is the same set
        x0, y0 = rng.uniform(0, CANVAS - size, 2)
    width = int(rng.integers(4, 12))
    angle = np.radians(rng.uniform(-tilt_deg, tilt_deg)) if tilt_deg else 0.0
    cos, sin = np.cos(angle), np.sin(angle)

    def turn(points):  # about the unit square's centre, in units of `size`
        return [((x - .5) * cos - (y - .5) * sin, (x - .5) * sin + (y - .5) * cos)
                for x, y in points]

    every = turn(outline + [p for stroke in strokes for p in stroke])
    lo = np.min(every, axis=0) * size - width
    hi = np.max(every, axis=0) * size + width
    if tilt_deg:
        cx, cy = (rng.uniform(-lo[i], CANVAS - hi[i]) if CANVAS - hi[i] > -lo[i] else CANVAS / 2
                  for i in (0, 1))
    else:
        cx, cy = x0 + size / 2, y0 + size / 2

    def place(points):
        return [(cx + x * size, cy + y * size) for x, y in turn(points)]

    paper, ink = (255, 0) if style == "ink" else (0, 255)
    img = Image.new("L", (CANVAS, CANVAS), paper)
    pen = ImageDraw.Draw(img)
    if style == "silhouette":
        pen.polygon(place(outline), fill=ink)
    else:
        pen.line(place(outline + outline[:1]), fill=ink, width=width, joint="curve")
    for stroke in strokes:  # handles, straps, a placket: part of the object in every style
        pen.line(place(stroke), fill=ink, width=width)
    return np.asarray(img, np.float32) / 255.0


def drawing_set(per_class: int = 8, seed: int = 0, kind: str = "realistic",
                frame=to_model_input) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{style: (images [N, 28, 28] as the model sees them, labels [N])}.

    `kind` is "realistic" (random size, place and a slight tilt) or "upright" (the earlier set);
    `frame` brings a canvas drawing to the model's input (TrainDesk's own preprocessing)."""
    if kind not in SETS:
        raise ValueError(f"drawing set {kind!r}: one of {', '.join(SETS)}")
    return {style: (np.stack([frame(c) for c in canvases]), labels)
            for style, (canvases, labels) in canvas_set(per_class, seed, kind).items()}


def canvas_set(per_class: int = 8, seed: int = 0, kind: str = "realistic"
               ) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """{style: (280x280 canvases, labels)}: the drawings before any framing."""
    rng = np.random.default_rng(seed)
    tilt = TILT_DEG if kind == "realistic" else 0.0
    out = {}
    for style in STYLES:
        canvases, labels = [], []
        for label in SHAPES:
            for _ in range(per_class):
                canvases.append(draw(label, style, rng, tilt))
                labels.append(label)
        out[style] = (canvases, np.array(labels))
    return out
