"""Files given as images that are not readable images: each gets one clear line, never a traceback."""
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.pictures.framing import MAX_SIDE, ImageError, read_image


def _png_header(path, width, height, bit_depth=1, colour=0):
    """A PNG that declares width x height; the pixels are never decoded, so one IDAT is enough."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("w, h", [(20000, 20000), (MAX_SIDE + 1, 10), (10, 100000)])
def test_huge_image_is_refused_by_its_size_before_decoding(tmp_path, w, h):
    path = _png_header(tmp_path / "huge.png", w, h)
    with pytest.raises(ImageError, match=f"{w}x{h} pixels is larger than the 8192x8192"):
        read_image(path)
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own guard is back in place


def test_real_large_one_bit_png(tmp_path):
    Image.new("1", (9000, 300)).save(tmp_path / "wide.png")  # a real file, written by Pillow
    with pytest.raises(ImageError, match="9000x300 pixels is larger"):
        read_image(tmp_path / "wide.png")


def test_largest_allowed_side_still_reads(tmp_path):
    im = Image.new("L", (MAX_SIDE, 4), 255)
    im.save(tmp_path / "strip.png")
    assert read_image(tmp_path / "strip.png").shape == (4, MAX_SIDE)


def test_folder_missing_empty_and_garbage(tmp_path):
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "garbage.png").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "notes.jpg").write_text("a shopping list, not a photo")
    cases = {"folder.png": "folder.png is a folder", "missing.png": "missing.png does not exist",
             "empty.png": "empty.png is empty", "garbage.png": r"garbage.png is not an image \(PNG, JPEG",
             "notes.jpg": "notes.jpg is not an image"}
    for name, message in cases.items():
        with pytest.raises(ImageError, match=message) as e:
            read_image(tmp_path / name)
        assert "\n" not in str(e.value)


def test_header_fine_but_pixels_cut_off(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8)).save(tmp_path / "ok.png")
    raw = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(raw[:60])
    with pytest.raises(ImageError, match="cut.png could not be decoded.*truncated"):
        read_image(tmp_path / "cut.png")
