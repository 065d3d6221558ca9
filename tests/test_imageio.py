"""Tests of reading image files: orientation, bit depth, alpha, formats and bad files."""

from io import BytesIO

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from preprocessing.imageio import IMAGE_SUFFIXES, ImageReadError, is_image_file, read_image

ORIENTATION_TAG = 0x0112
# Colours (RGB) of the two marker blocks; two adjacent corners fix any turn or flip.
RED = (220, 30, 30)
BLUE = (30, 30, 220)


def marked_picture(width=64, height=40):
    """A white, non-square RGB picture: a red block top left, a blue block top right."""
    pixels = np.full((height, width, 3), 255, np.uint8)
    pixels[2:height // 2 - 2, 2:width // 2 - 2] = RED
    pixels[2:height // 2 - 2, width // 2 + 2:width - 2] = BLUE
    return pixels


def jpeg_with_orientation(pixels, orientation):
    picture = Image.fromarray(pixels)
    exif = picture.getexif()
    exif[ORIENTATION_TAG] = orientation
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def quadrant_colours(rgb):
    """Name of the colour filling each quadrant ('red', 'blue' or 'white'), row by row."""
    h, w = rgb.shape[:2]
    names = []
    for y0, y1 in ((0, h // 2), (h // 2, h)):
        for x0, x1 in ((0, w // 2), (w // 2, w)):
            mean = rgb[y0:y1, x0:x1].reshape(-1, 3).astype(float).mean(axis=0)
            if mean[0] > mean[2] + 40:
                names.append("red")
            elif mean[2] > mean[0] + 40:
                names.append("blue")
            else:
                names.append("white")
    return names


def assert_one_line_error(path, *fragments):
    with pytest.raises(ImageReadError) as caught:
        read_image(path)
    message = str(caught.value)
    assert message and "\n" not in message
    for fragment in fragments:
        assert fragment in message.lower()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_photo_upright(tmp_path, orientation):
    data = jpeg_with_orientation(marked_picture(), orientation)
    path = tmp_path / f"oriented-{orientation}.jpg"
    path.write_bytes(data)

    got = read_image(path)
    with Image.open(BytesIO(data)) as picture:
        expected = np.asarray(ImageOps.exif_transpose(picture).convert("RGB"))

    assert got.dtype == np.uint8 and got.ndim == 3 and got.shape[2] == 3
    assert got.shape == expected.shape
    got_rgb = cv2.cvtColor(got, cv2.COLOR_BGR2RGB)
    assert quadrant_colours(got_rgb) == quadrant_colours(expected)
    assert np.abs(got_rgb.astype(int) - expected.astype(int)).mean() < 3


def test_the_markers_tell_every_orientation_apart():
    # Guards the test above: the eight upright pictures must all differ.
    layouts = set()
    for orientation in range(1, 9):
        with Image.open(BytesIO(jpeg_with_orientation(marked_picture(), orientation))) as picture:
            upright = np.asarray(ImageOps.exif_transpose(picture).convert("RGB"))
        layouts.add((upright.shape, tuple(quadrant_colours(upright))))
    assert len(layouts) == 8


def test_jpeg_without_exif_is_read_as_stored(tmp_path):
    pixels = marked_picture()
    path = tmp_path / "plain.jpg"
    Image.fromarray(pixels).save(path, quality=95)
    got = cv2.cvtColor(read_image(path), cv2.COLOR_BGR2RGB)
    assert got.shape == pixels.shape
    assert quadrant_colours(got) == ["red", "blue", "white", "white"]


def test_16_bit_grey_png_is_read_as_8_bit(tmp_path):
    values = np.array([[0, 257 * 100, 0x80FF], [257 * 200, 65535, 255]], np.uint16)
    grey = np.repeat(np.repeat(values, 4, axis=0), 4, axis=1)
    path = tmp_path / "grey16.png"
    assert cv2.imwrite(str(path), grey)
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).dtype == np.uint16

    got = read_image(path)
    assert got.dtype == np.uint8 and got.shape == (*grey.shape, 3)
    expected = np.repeat(np.repeat(np.array([[0, 100, 128], [200, 255, 0]]), 4, 0), 4, 1)
    for channel in range(3):
        assert np.array_equal(got[:, :, channel], expected)


def test_16_bit_colour_png_is_read_as_8_bit_bgr(tmp_path):
    bgr16 = np.zeros((6, 8, 3), np.uint16)
    bgr16[:, :4] = (65535, 257 * 128, 0)
    bgr16[:, 4:] = (257 * 10, 0, 257 * 250)
    path = tmp_path / "colour16.png"
    assert cv2.imwrite(str(path), bgr16)

    got = read_image(path)
    assert got.dtype == np.uint8 and got.shape == (6, 8, 3)
    assert np.array_equal(got[:, :4].reshape(-1, 3), np.tile([255, 128, 0], (24, 1)))
    assert np.array_equal(got[:, 4:].reshape(-1, 3), np.tile([10, 0, 250], (24, 1)))


def test_black_strokes_on_transparent_canvas_become_black_on_white(tmp_path):
    # As drawing apps save: colour black everywhere, the strokes only in alpha.
    alpha = np.zeros((40, 60), np.uint8)
    cv2.line(alpha, (10, 5), (10, 35), 255, 3)
    alpha[30:38, 40:50] = 128  # a half-transparent patch
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[:, :, 3] = alpha
    path = tmp_path / "canvas.png"
    assert cv2.imwrite(str(path), rgba)

    got = read_image(path)
    assert got.shape == (40, 60, 3)
    assert (got[alpha == 255] == 0).all()
    assert (got[alpha == 0] == 255).all()
    assert np.abs(got[alpha == 128].astype(int) - 127).max() <= 1


def test_grey_png_is_read_as_bgr(tmp_path):
    grey = np.tile(np.arange(0, 250, 10, dtype=np.uint8), (7, 1))
    path = tmp_path / "grey.png"
    assert cv2.imwrite(str(path), grey)
    got = read_image(path)
    assert got.shape == (*grey.shape, 3) and got.dtype == np.uint8
    for channel in range(3):
        assert np.array_equal(got[:, :, channel], grey)


@pytest.mark.parametrize("suffix, params", [
    (".bmp", []),
    (".tiff", []),
    (".tif", []),
    (".webp", [cv2.IMWRITE_WEBP_QUALITY, 101]),  # above 100: lossless
    (".png", []),
])
def test_lossless_formats_are_read_exactly(tmp_path, suffix, params):
    rng = np.random.default_rng(0)
    bgr = rng.integers(0, 256, (30, 45, 3), dtype=np.uint8)
    path = tmp_path / f"picture{suffix}"
    assert cv2.imwrite(str(path), bgr, params)
    assert np.array_equal(read_image(path), bgr)


def test_upper_case_suffix_is_read(tmp_path):
    pixels = marked_picture()
    path = tmp_path / "PHOTO.JPG"
    Image.fromarray(pixels).save(path, format="JPEG", quality=95)
    assert quadrant_colours(cv2.cvtColor(read_image(path), cv2.COLOR_BGR2RGB))[:2] == ["red",
                                                                                       "blue"]


@pytest.mark.parametrize("suffix, seed", [(".jpg", 1), (".png", 2)])
def test_truncated_file_is_refused_in_one_line(tmp_path, suffix, seed):
    ok, data = cv2.imencode(suffix, np.random.default_rng(seed).integers(0, 256, (200, 300, 3),
                                                                            dtype=np.uint8))
    assert ok
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(data.tobytes()[:len(data) // 2])
    assert_one_line_error(path, "truncated")


def test_empty_file_is_refused_in_one_line(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert_one_line_error(path, "empty")


def test_text_file_named_jpg_is_refused_in_one_line(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("shopping list: bread, milk\n" * 20)
    assert_one_line_error(path)


def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(OSError):
        read_image(tmp_path / "nowhere.png")


@pytest.mark.parametrize("name", ["A.JPG", "b.Jpeg", "c.PNG", "d.BMP", "e.TIF", "f.TIFF",
                                  "g.WebP", "dir/h.jpg"])
def test_image_suffixes_in_any_case(name):
    assert is_image_file(name)


@pytest.mark.parametrize("name", ["notes.txt", "jpg", "archive.jpg.zip", "README", "x.gif"])
def test_other_files_are_not_images(name):
    assert not is_image_file(name)


def test_suffix_list_is_lower_case_with_dots():
    assert all(s.startswith(".") and s == s.lower() for s in IMAGE_SUFFIXES)
