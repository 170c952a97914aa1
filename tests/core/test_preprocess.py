"""Pictures brought to Fashion-MNIST's framing, checked on synthetic drawings of known geometry."""
import numpy as np
import pytest
from PIL import Image

from core.preprocess import ImageError, read_image, to_model_input
from PIL import ImageDraw


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


def _tilted_bar(tilt_deg, w=40, h=160, centre=(140, 140), canvas=280):
    """A filled w x h bar turned clockwise by tilt_deg on a dark canvas (y down)."""
    img = Image.new("L", (canvas, canvas), 0)
    t = np.radians(tilt_deg)
    corners = np.array([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)])
    rot = corners @ np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]) + centre
    ImageDraw.Draw(img).polygon([tuple(p) for p in rot], fill=255)
    return np.asarray(img, np.float32) / 255


def _axis_deg(img):
    """The principal axis of the ink, degrees from vertical."""
    ys, xs = np.nonzero(img > 0.5)
    xs, ys = xs - xs.mean(), ys - ys.mean()
    return np.degrees(0.5 * np.arctan2(2 * (xs * ys).mean(), (ys * ys).mean() - (xs * xs).mean()))


@pytest.mark.parametrize("tilt", [-12, -6, 9, 15])
def test_tilted_stroke_is_deskewed(tilt):
    a = _tilted_bar(tilt, w=20)
    assert abs(_axis_deg(a) - (-tilt)) < 1.5  # the helper reads the tilt it was given
    for how in ("box", "moments"):
        out = to_model_input(a, deskew=how)
        assert abs(_axis_deg(out)) < 2.5, how  # upright again
        top, bottom, left, right = _bbox(out, 0.5)
        assert bottom - top + 1 >= 26 and right - left + 1 <= 6  # a tall thin bar, filling the height
    tilted = to_model_input(a, deskew="")
    assert abs(_axis_deg(tilted)) > abs(tilt) - 2  # without deskewing it stays tilted


def test_deskew_leaves_upright_and_strongly_turned_drawings_alone():
    upright = _tilted_bar(0)
    assert np.array_equal(to_model_input(upright), to_model_input(upright, deskew=""))
    turned = _tilted_bar(40)  # beyond MAX_DESKEW_DEG: meant that way, not a tilt
    assert np.array_equal(to_model_input(turned), to_model_input(turned, deskew=""))


def test_centring_by_mass_puts_the_mass_in_the_middle():
    a = _canvas(280, 280)
    a[20:120, 150:170] = 1.0    # a tall stroke, off-centre, top right ...
    a[100:120, 170:260] = 1.0   # ... with a foot to the right: the mass is left of the box's centre
    for centre, near_box_centre in (("mass", False), ("box", True)):
        out = to_model_input(a, box=20, centre=centre)  # filling the frame leaves no room to move
        ys, xs = np.indices(out.shape)
        cy, cx = (out * ys).sum() / out.sum(), (out * xs).sum() / out.sum()
        at_middle = abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
        assert at_middle != near_box_centre, (centre, cy, cx)
    top, bottom, left, right = _bbox(to_model_input(a, box=20, centre="box"))
    assert abs((top + bottom) / 2 - 13.5) <= 1 and abs((left + right) / 2 - 13.5) <= 1


def test_20_in_28_box():
    a = _canvas(280, 280)
    a[30:230, 200:260] = 1.0  # 200 tall, 60 wide, off to the right
    out = to_model_input(a, box=20)
    top, bottom, left, right = _bbox(out, 0.5)
    assert bottom - top + 1 == 20 and 5 <= right - left + 1 <= 7  # longest side 20, aspect kept
    assert abs((top + bottom) / 2 - 13.5) <= 1 and abs((left + right) / 2 - 13.5) <= 1
    ys, xs = np.indices(out.shape)
    out_mass = to_model_input(a, box=20, centre="mass")
    assert abs((out_mass * xs).sum() / out_mass.sum() - 13.5) <= 0.5  # the MNIST framing


def test_same_framing_for_every_picture_of_a_drawing():
    """Light-on-dark and its ink-on-paper negative are framed the same, tilt and all."""
    a = _tilted_bar(8, w=30)
    np.testing.assert_allclose(to_model_input(a), to_model_input(1.0 - a), atol=1e-6)
    with pytest.raises(ValueError, match="deskew"):
        to_model_input(a, deskew="sideways")
