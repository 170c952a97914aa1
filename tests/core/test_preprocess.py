"""Pictures brought to Fashion-MNIST's framing, checked on synthetic drawings of known geometry:
cropped, scaled, centred, set upright, and a drawing's closed outlines filled."""
import numpy as np
import pytest
from PIL import Image

from core.pictures.framing import ImageError, read_image, to_model_input
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


def _outline(points, width=8, bg=0.0, ink=1.0, size=280):
    img = Image.new("F", (size, size), bg)
    ImageDraw.Draw(img).line(points, fill=ink, width=width, joint="curve")
    return np.asarray(img, np.float32)


TROUSERS = [(100, 30), (185, 30), (200, 255), (160, 255), (142, 110), (120, 255), (80, 255),
            (100, 30)]


def test_a_closed_outline_is_filled_like_the_solid_items_of_the_data_set():
    from core.pictures.framing import FILL_LEVEL
    drawn = to_model_input(_outline(TROUSERS))
    plain = to_model_input(_outline(TROUSERS), fill=False)
    inside = (drawn >= FILL_LEVEL) & (plain < 0.25)
    assert inside.sum() > 100  # the legs' insides, as a silhouette
    assert (drawn >= plain).all() and drawn[0, 0] == 0 and drawn[27, 13] == plain[27, 13]  # the gap
    # dark ink on paper (a pen drawing, a scan) is the same drawing
    assert np.allclose(to_model_input(_outline(TROUSERS, bg=1.0, ink=0.0)), drawn)


def test_an_open_stroke_and_a_photo_are_not_filled():
    u_shape = _outline([(60, 40), (60, 240), (220, 240), (220, 40)])  # open at the top
    assert np.array_equal(to_model_input(u_shape), to_model_input(u_shape, fill=False))
    # a shaded ring (a photo's tones, not solid ink) keeps its dark middle
    yy, xx = np.mgrid[0:200, 0:200]
    r = np.hypot(yy - 100, xx - 100)
    ring = np.where((r > 40) & (r < 90), 0.3 + 0.6 * (xx / 200), 0.0).astype(np.float32)
    out = to_model_input(ring)
    assert out[14, 14] < 0.1 and np.array_equal(out, to_model_input(ring, fill=False))
    assert to_model_input(ring, fill=True)[14, 14] >= 0.8  # asked for, it fills
