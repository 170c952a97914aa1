"""Pictures brought to Fashion-MNIST's framing, checked on synthetic drawings of known geometry."""
import numpy as np
import pytest
from PIL import Image

from core.preprocess import ImageError, read_image, to_model_input


def _canvas(h=200, w=200, bg=0.0):
    return np.full((h, w), bg, np.float32)


def _bbox(img, thr=0.1):
    rows = np.flatnonzero((img > thr).any(axis=1))
    cols = np.flatnonzero((img > thr).any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_small_off_centre_square_fills_and_centres():
    a = _canvas()
    a[10:50, 130:170] = 1.0  # 40x40 square in the top-right corner
    out = to_model_input(a)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert _bbox(out) == (0, 27, 0, 27)  # longest side fills the frame


def test_wide_rectangle_keeps_aspect_and_is_centred_vertically():
    a = _canvas()
    a[90:110, 20:180] = 1.0  # 160 x 20: aspect 8:1
    out = to_model_input(a)
    top, bottom, left, right = _bbox(out)
    assert (left, right) == (0, 27)
    assert 2 <= bottom - top + 1 <= 5  # 28 / 8 = 3.5 rows tall
    assert abs((top + bottom) / 2 - 13.5) <= 1


def test_dark_ink_on_white_paper_is_inverted():
    a = _canvas(bg=1.0)
    a[50:150, 80:120] = 0.0
    out = to_model_input(a)
    assert out[14, 14] == pytest.approx(1.0, abs=0.05)  # the object is light now
    assert out[14, 0] == 0.0 and out[0, 0] == 0.0      # the background is black


def test_grey_paper_counts_as_background():
    a = _canvas(bg=0.8)
    a[80:120, 60:140] = 0.1  # 80 wide, 40 tall: the top rows of the frame stay background
    out = to_model_input(a)
    assert out.max() == pytest.approx(1.0, abs=0.01) and out[0, 0] == 0.0


def test_thin_stroke_survives_shrinking():
    a = _canvas(400, 400)
    a[:, 199:201] = 1.0  # a 2-pixel line, 400 tall: shrinks 14x
    out = to_model_input(a)
    assert out.max() > 0.05 and _bbox(out, 0.01)[:2] == (0, 27)


def test_blank_canvas_gives_zeros():
    assert not to_model_input(_canvas()).any()
    assert not to_model_input(_canvas(bg=1.0)).any()


def test_read_image_modes(tmp_path):
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = (0, 0, 0, 255)  # opaque black square, the rest transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    g = read_image(tmp_path / "alpha.png")
    assert g[0, 0] == 1.0 and g[20, 20] == 0.0  # transparent reads as white paper
    deep = (np.arange(40 * 40, dtype=np.uint16).reshape(40, 40) * 40)
    Image.fromarray(deep).save(tmp_path / "deep.png")  # 16-bit greyscale PNG
    d = read_image(tmp_path / "deep.png")
    assert 0 <= d.min() and d.max() <= 1 and d[-1, -1] > 0.9


def test_bad_files_get_clear_errors(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    Image.fromarray(np.zeros((50, 50), np.uint8)).save(tmp_path / "ok.png")
    raw = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(raw[:len(raw) // 2])
    (tmp_path / "text.png").write_text("hello")
    for name, message in (("empty.png", "is empty"), ("cut.png", "truncated"),
                          ("text.png", "not an image"), ("missing.png", "does not exist")):
        with pytest.raises(ImageError, match=message):
            read_image(tmp_path / name)
