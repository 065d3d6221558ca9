"""Tests of the sample-photo generator (real rendering, no mocks)."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest

from samples import sheets
from samples.camera import Camera, pose_homography
from samples.fonts import find_fonts, render_char
from samples.glyphs import GlyphSource, read_mnist
from samples.paper import InkStyle, PaperStyle
from samples.presets import PRESETS
from samples.sheets import INK_LEVEL, generate, make_sheet, photograph, write_sheet_set

FONTS = find_fonts()


def _load_mnist():
    """MNIST test split if available locally (never downloads), else None."""
    try:
        from train.mnist import load_mnist

        return load_mnist("test", download=False, progress=False)
    except Exception:  # not importable, not found, or another signature
        pass
    folder = os.environ.get("MNIST_DIR")
    if folder:
        try:
            return read_mnist(folder, "test")
        except (OSError, ValueError):
            return None
    return None


@pytest.fixture(scope="module")
def glyphs() -> GlyphSource:
    data = _load_mnist()
    if data is None and not FONTS:
        pytest.skip("neither MNIST (MNIST_DIR) nor handwriting fonts available")
    if data is None:
        return GlyphSource(fonts=True)
    images, labels = data
    return GlyphSource(images[:3000], labels[:3000], fonts=True)


def _flat_sheet(
    glyphs, seed, *, paper_kind="white", color=(0.95, 0.95, 0.95), ink_color=(0.1, 0.1, 0.1), **kw
):
    """A sheet without texture or marks, so ink can be found by brightness."""
    paper = PaperStyle(kind=paper_kind, color=color, texture=0.0, grain=0.0)
    ink = InkStyle(kind="gel", color=ink_color, stroke=0.08, opacity=1.0, grain=0.0)
    return make_sheet(np.random.default_rng(seed), glyphs, paper=paper, ink=ink, desk=None, **kw)


def _ink_coverage(photo, paper_level, ink_level):
    """Per-pixel apparent ink coverage of an ideal (Camera()) photo."""
    gray = photo.image.astype(np.float32).mean(axis=2) / 255.0
    return (gray - paper_level) / (ink_level - paper_level)


def _box_mask(shape, digits, grow=0):
    inside = np.zeros(shape, bool)
    for d in digits:
        inside[
            max(d["y"] - grow, 0) : d["y"] + d["h"] + grow,
            max(d["x"] - grow, 0) : d["x"] + d["w"] + grow,
        ] = True
    return inside


def _paper_region(photo, sheet):
    """Pixels well inside the paper (the desk around it is not paper)."""
    w, h = sheet.size
    corners = np.array([[[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]]])
    quad = cv2.perspectiveTransform(corners, photo.homography)[0]
    region = np.zeros(photo.image.shape[:2], np.uint8)
    cv2.fillConvexPoly(region, np.round(quad).astype(np.int32), 1)
    return cv2.erode(region, np.ones((5, 5), np.uint8)) > 0


def _check_tight(photo, sheet, coverage, grow=0, strip=2):
    """Ink lies in the boxes, and every box edge strip holds ink."""
    h, w = coverage.shape
    stray = (
        (coverage >= INK_LEVEL + 0.05)
        & ~_box_mask((h, w), photo.digits, grow)
        & _paper_region(photo, sheet)
    )
    assert not np.any(stray)
    for d in photo.digits:
        x, y, bw, bh = d["x"], d["y"], d["w"], d["h"]
        assert 0 <= x and 0 <= y and x + bw <= w and y + bh <= h
        box = coverage[y : y + bh, x : x + bw] >= 0.1
        s = strip + grow
        for edge in (box[:s], box[-s:], box[:, :s], box[:, -s:]):
            assert edge.any(), f"box {d} is not tight"


@pytest.mark.parametrize(
    "pose",
    [
        dict(scale=1.0, angle=0.0, tilt=(0.0, 0.0)),
        dict(scale=1.3, angle=12.0, tilt=(18.0, -10.0)),
    ],
)
def test_boxes_are_tight_around_the_ink(glyphs, pose):
    sheet = _flat_sheet(glyphs, 1, n_digits=10, digit_height=50, touch_prob=0.3, broken_prob=0.3)
    x0, y0, x1, y1 = _digit_bounds(sheet)
    pose = dict(pose, center=((x0 + x1) / 2, (y0 + y1) / 2))
    size = (int((x1 - x0) * 1.6 * pose["scale"]) + 60, int((y1 - y0) * 3 * pose["scale"]) + 60)
    photo = photograph(sheet, np.random.default_rng(0), size=size, camera=Camera(), pose=pose)
    assert len(photo.digits) == len(sheet.digits)
    assert not any(d.get("partial") for d in photo.digits)
    _check_tight(photo, sheet, _ink_coverage(photo, 0.95, 0.1))


def test_boxes_stay_exact_when_the_sheet_is_seen_small(glyphs):
    sheet = _flat_sheet(glyphs, 2, n_digits=6, digit_height=90)
    x0, y0, x1, y1 = _digit_bounds(sheet)
    pose = dict(center=((x0 + x1) / 2, (y0 + y1) / 2), scale=0.4, angle=-7.0, tilt=(5.0, 5.0))
    size = (int((x1 - x0) * 0.8) + 40, int((y1 - y0) * 0.8) + 40)
    photo = photograph(sheet, np.random.default_rng(0), size=size, camera=Camera(), pose=pose)
    assert len(photo.digits) == len(sheet.digits)
    _check_tight(photo, sheet, _ink_coverage(photo, 0.95, 0.1), grow=1)


def test_light_strokes_on_dark_paper_are_boxed(glyphs):
    sheet = _flat_sheet(
        glyphs,
        3,
        paper_kind="slate",
        color=(0.1, 0.1, 0.1),
        ink_color=(0.9, 0.9, 0.9),
        n_digits=5,
        digit_height=40,
    )
    x0, y0, x1, y1 = _digit_bounds(sheet)
    pose = dict(center=((x0 + x1) / 2, (y0 + y1) / 2), angle=4.0)
    photo = photograph(
        sheet,
        np.random.default_rng(0),
        size=(x1 - x0 + 80, y1 - y0 + 80),
        camera=Camera(),
        pose=pose,
    )
    _check_tight(photo, sheet, _ink_coverage(photo, 0.1, 0.9))


def _digit_bounds(sheet):
    boxes = [d.box() for d in sheet.digits]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[0] + b[2] for b in boxes),
        max(b[1] + b[3] for b in boxes),
    )


def test_text_follows_reading_order(glyphs):
    sheet = _flat_sheet(glyphs, 4, n_digits=14, digit_height=30, paper_size=(400, 600))
    expected = " ".join("".join(str(sheet.digits[i].label) for i in row) for row in sheet.rows)
    assert sheet.text == expected
    assert sum(len(r) for r in sheet.rows) == len(sheet.digits) and len(sheet.rows) >= 2
    photo = photograph(
        sheet,
        np.random.default_rng(0),
        size=(500, 700),
        camera=Camera(),
        pose=dict(center=(200, 300)),
    )
    assert photo.text == expected
    # Within a row boxes go left to right; rows go top to bottom.
    k = 0
    row_tops = []
    for row in sheet.rows:
        boxes = photo.digits[k : k + len(row)]
        k += len(row)
        centers = [b["x"] + b["w"] / 2 for b in boxes]
        assert centers == sorted(centers)
        row_tops.append(np.mean([b["y"] + b["h"] / 2 for b in boxes]))
    assert row_tops == sorted(row_tops)


def test_digits_cut_by_the_frame_are_partial(glyphs):
    sheet = _flat_sheet(glyphs, 5, n_digits=8, digit_height=40, paper_size=(700, 300))
    # The frame's right edge runs through the middle of the second digit.
    bx, by, bw, bh = sheet.digits[1].box()
    pose = dict(center=(bx + bw / 2 - 150, by + bh / 2))
    photo = photograph(sheet, np.random.default_rng(0), size=(300, 200), camera=Camera(), pose=pose)
    assert [d.get("partial", False) for d in photo.digits][:2] == [False, True]
    for d in photo.digits:
        assert d["x"] >= 0 and d["y"] >= 0 and d["x"] + d["w"] <= 300 and d["y"] + d["h"] <= 200
    whole = "".join(str(d["label"]) for d in photo.digits if not d.get("partial"))
    assert photo.text.replace(" ", "") == whole


def test_stray_marks_get_no_box(glyphs):
    kinds = {
        "dot": 1,
        "underline": 1,
        "line": 1,
        "scribble": 1,
        "smudge": 1,
        "printed": 1,
        "letters": 1,
    }
    sheet = make_sheet(
        np.random.default_rng(6), glyphs, n_digits=6, digit_height=40, n_marks=12, mark_kinds=kinds
    )
    assert sheet.marks
    digit_boxes = [d.box() for d in sheet.digits]
    for mark in sheet.marks:
        ys, xs = np.nonzero(mark.mask >= INK_LEVEL)
        for bx, by, bw, bh in digit_boxes:
            inside = (
                (xs + mark.x >= bx)
                & (xs + mark.x < bx + bw)
                & (ys + mark.y >= by)
                & (ys + mark.y < by + bh)
            )
            assert not inside.any(), f"{mark.kind} mark touches a digit box"
    photo = photograph(sheet, np.random.default_rng(1), size=(800, 600), condition="webcam")
    assert len(photo.digits) == len(sheet.digits)


def test_generate_is_deterministic(glyphs):
    a = generate(np.random.default_rng(11), glyphs, "webcam")
    b = generate(np.random.default_rng(11), glyphs, "webcam")
    assert a.jpeg == b.jpeg and np.array_equal(a.image, b.image)
    assert a.digits == b.digits and a.text == b.text
    c = generate(np.random.default_rng(12), glyphs, "webcam")
    assert c.jpeg != a.jpeg


def test_write_sheet_set_is_deterministic(glyphs, tmp_path):
    first = write_sheet_set(tmp_path / "a", 2, "hard", 3, glyphs, size=(640, 480), progress=False)
    write_sheet_set(tmp_path / "b", 2, "hard", 3, glyphs, size=(640, 480), progress=False)
    for name in ("000.jpg", "001.jpg", "truth.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    lines = (tmp_path / "a" / "truth.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == first
    assert first[0]["image"] == "000.jpg" and first[0]["condition"] == "hard"
    image = cv2.imread(str(tmp_path / "a" / "000.jpg"))
    assert image.shape == (480, 640, 3)


@pytest.mark.parametrize(
    ("condition", "size"),
    [
        ("clean", (320, 240)),
        ("clean", (1024, 768)),
        ("webcam", (640, 480)),
        ("webcam", (1280, 720)),
        ("hard", (640, 480)),
        ("hard", (1920, 1080)),
    ],
)
def test_presets_give_requested_size_and_valid_truth(glyphs, condition, size):
    for seed in range(2):
        photo = generate(np.random.default_rng([seed, *size]), glyphs, condition, size)
        assert photo.image.shape == (size[1], size[0], 3) and photo.image.dtype == np.uint8
        assert photo.condition == condition and photo.digits
        assert photo.text.replace(" ", "") == "".join(str(d["label"]) for d in photo.digits)
        for d in photo.digits:
            assert set(d) == {"x", "y", "w", "h", "label"}
            assert all(isinstance(d[k], int) for k in d)
            assert (
                d["x"] >= 0
                and d["y"] >= 0
                and d["x"] + d["w"] <= size[0]
                and d["y"] + d["h"] <= size[1]
            )
            assert d["h"] >= 8


def test_twelve_megapixel_photo(glyphs):
    photo = generate(np.random.default_rng(7), glyphs, "hard", (4000, 3000))
    assert photo.image.shape == (3000, 4000, 3)
    assert max(d["h"] for d in photo.digits) >= 60


def test_clean_photo_boxes_contain_ink(glyphs):
    """In the clean preset every box is clearly darker than the paper around it."""
    for seed in range(3):
        photo = generate(np.random.default_rng(seed), glyphs, "clean", (1024, 768))
        gray = cv2.cvtColor(photo.image, cv2.COLOR_BGR2GRAY).astype(np.float32)
        for d in photo.digits:
            x, y, w, h = d["x"], d["y"], d["w"], d["h"]
            darkest = gray[y : y + h, x : x + w].min()
            ring = gray[max(y - 4, 0) : y + h + 4, max(x - 4, 0) : x + w + 4]
            assert darkest < np.median(ring) - 40


def test_default_sizes_come_from_the_preset(glyphs):
    photo = generate(np.random.default_rng(3), glyphs, "webcam")
    assert (photo.image.shape[1], photo.image.shape[0]) in PRESETS["webcam"].sizes


def test_unknown_condition_is_rejected(glyphs):
    with pytest.raises(ValueError, match="unknown condition"):
        generate(np.random.default_rng(0), glyphs, "foggy")


@pytest.mark.skipif(not FONTS, reason="no handwriting fonts installed")
def test_fonts_are_used_when_installed():
    assert all(path.endswith((".ttf", ".otf")) for path in FONTS)
    source = GlyphSource(fonts=True)
    before = render_char.cache_info()
    mask = source.draw(np.random.default_rng(0), 7, 40)
    after = render_char.cache_info()
    assert after.hits + after.misses > before.hits + before.misses
    assert mask.dtype == np.float32 and abs(mask.shape[0] - 40) <= 1 and mask.max() > 0.9
    photo = generate(np.random.default_rng(1), source, "clean", (640, 480))
    assert photo.digits


def test_missing_sources():
    assert find_fonts(["/nonexistent/fonts"]) == []
    with pytest.raises(ValueError):
        GlyphSource(fonts=False)


def test_glyph_masks_have_requested_height(glyphs):
    rng = np.random.default_rng(0)
    for height in (15, 40, 200):
        for label in range(10):
            mask = glyphs.draw(rng, label, height, stroke_px=0.06 * height)
            assert mask.dtype == np.float32 and abs(mask.shape[0] - height) <= 1
            assert 0.0 <= mask.min() and mask.max() <= 1.0 and mask.max() > 0.5


def test_pose_maps_center_and_turns_counter_clockwise():
    hom = pose_homography(dict(center=(100.0, 50.0), scale=2.0, angle=90.0), (640, 480))
    pts = cv2.perspectiveTransform(np.array([[[100.0, 50.0], [110.0, 50.0]]]), hom)[0]
    assert np.allclose(pts[0], (320, 240))
    assert np.allclose(pts[1], (320, 220))  # +x on the sheet points up on screen


def test_cli(glyphs, tmp_path, capsys):
    args = [
        str(tmp_path / "out"),
        "--condition",
        "clean",
        "--count",
        "2",
        "--seed",
        "1",
        "--size",
        "320x240",
        "--quiet",
    ]
    mnist = os.environ.get("MNIST_DIR")
    if mnist:
        args += ["--mnist-dir", mnist]
    status = sheets.main(args)
    note = capsys.readouterr().err.strip()
    if status != 0:  # e.g. no MNIST and no fonts on this machine
        pytest.skip(note)
    assert len((tmp_path / "out" / "truth.jsonl").read_text().splitlines()) == 2
    with pytest.raises(SystemExit) as exc:
        sheets.main([str(tmp_path / "x"), "--size", "12x"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "error" in err and "\n" not in err
    assert sheets.main([str(tmp_path / "y"), "--mnist-dir", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a folder" in err
