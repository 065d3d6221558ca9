"""Tests of the digit reader on real generated photos, with the real trained model."""

from dataclasses import replace

import cv2
import numpy as np
import pytest

from bench.bench_sheets import match_digits, scores
from preprocessing.boxes import box_iou
from preprocessing.reader import DigitReader, _Layers
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.camera import Camera
from samples.paper import paper_albedo, sample_ink, sample_paper
from samples.presets import PRESETS
from samples.sheets import Sheet, generate, make_sheet, photograph
from train import load_model

CLEAN_SIZE = (800, 600)
CLEAN_SEEDS = [[7, i] for i in range(4)]
GRID_SEEDS = [[21, i] for i in range(6)]
MIN_F1 = 0.9


@pytest.fixture(scope="module")
def reader(trained_model_path):
    return DigitReader(load_model(trained_model_path))


@pytest.fixture(scope="module")
def mnist_test(mnist_dir):
    return load_mnist_digits(mnist_dir)


@pytest.fixture(scope="module")
def glyphs(mnist_test):
    images, labels = mnist_test
    return GlyphSource(images, labels, fonts=True)


@pytest.fixture(scope="module")
def clean_photos(glyphs):
    return [generate(np.random.default_rng(seed), glyphs, "clean", CLEAN_SIZE)
            for seed in CLEAN_SEEDS]


def first_of(labels, label, n=0):
    return int(np.flatnonzero(labels == label)[n])


def enlarged(digit, size):
    return cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC)


def on_paper(ink, margin=50):
    """White-on-black ink as dark strokes on white paper, with a margin."""
    h, w = ink.shape
    paper = np.full((h + 2 * margin, w + 2 * margin), 255, np.uint8)
    paper[margin:margin + h, margin:margin + w] = 255 - ink
    return cv2.cvtColor(paper, cv2.COLOR_GRAY2BGR)


def pieces(ink):
    return cv2.connectedComponents((ink > 128).astype(np.uint8))[0] - 1


def ink_truth(digit, x0, y0, label):
    """The truth record of a digit image (white ink on black) pasted with
    its corner at (x0, y0): the box of its ink, and its label."""
    ys, xs = np.nonzero(digit > 128)
    return {"x": x0 + int(xs.min()), "y": y0 + int(ys.min()),
            "w": int(xs.max() - xs.min() + 1), "h": int(ys.max() - ys.min() + 1), "label": label}


def truth_box(digit):
    return digit["x"], digit["y"], digit["w"], digit["h"]


def overlaps(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def label_f1(pairs):
    """Micro label F1 over (truth, found) pairs."""
    hits = sum(match_digits(truth, found) for truth, found in pairs)
    n_true = sum(len(truth) for truth, _ in pairs)
    n_found = sum(len(found) for _, found in pairs)
    return scores(hits, n_true, n_found)[2]


def describe(photos, readings):
    return "; ".join(f"expected {p.text!r} got {r.text!r}" for p, r in zip(photos, readings))


def assert_boxes_inside(digits, shape):
    h, w = shape[:2]
    for d in digits:
        assert all(isinstance(v, int) for v in d.box)
        assert 0 <= d.x and 0 <= d.y and d.w > 0 and d.h > 0
        assert d.x + d.w <= w and d.y + d.h <= h


def assert_reads_most(reader, photo, n_digits, least):
    """The photo holds n_digits digits, and reading it finds at least
    ``least`` of them with their labels."""
    reading = reader.read(photo.image)
    assert len(photo.digits) == n_digits
    assert match_digits(photo.digits, reading.digits) >= least, (photo.text, reading.text)


def assert_reads_exactly(reader, photo, n_digits):
    """The photo holds n_digits digits, and reading it finds each of them,
    with its label, and nothing else."""
    reading = reader.read(photo.image)
    assert len(photo.digits) == n_digits
    assert match_digits(photo.digits, reading.digits) == n_digits, (photo.text, reading.text)
    assert len(reading.digits) == n_digits, (photo.text, reading.text)


def test_clean_sheets_are_read_with_their_boxes(reader, clean_photos):
    readings = [reader.read(p.image) for p in clean_photos]
    assert sum(len(p.digits) for p in clean_photos) >= 20  # enough digits to mean something
    f1 = label_f1([(p.digits, r.digits) for p, r in zip(clean_photos, readings)])
    assert f1 >= MIN_F1, describe(clean_photos, readings)
    for photo, reading in zip(clean_photos, readings):
        assert_boxes_inside(reading.digits, photo.image.shape)
        assert not reading.light_ink
        assert reading.text.replace(" ", "") == "".join(str(d.label) for d in reading.digits)


def test_grey_input_reads_like_colour(reader, clean_photos):
    photo = clean_photos[0]
    grey = cv2.cvtColor(photo.image, cv2.COLOR_BGR2GRAY)
    assert reader.read(grey).text == reader.read(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)).text


def test_white_strokes_on_black_are_read(reader, mnist_test):
    images, labels = mnist_test
    chosen = range(6)
    canvas = np.zeros((300, 1000), np.uint8)
    for k, i in enumerate(chosen):
        x = 40 + 150 * k
        canvas[60:240, x:x + 180] = np.maximum(canvas[60:240, x:x + 180], enlarged(images[i], 180))
    reading = reader.read(cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR))
    assert reading.light_ink
    assert reading.text.replace(" ", "") == "".join(str(labels[i]) for i in chosen)


@pytest.fixture(scope="module")
def board_photos(glyphs):
    """Hard photos of chalk on blackboards and slates, often dim."""
    preset = replace(PRESETS["hard"], inverted_prob=1.0,
                     dark_paper={"blackboard": 0.5, "slate": 0.5})
    PRESETS["hard-board"] = preset
    try:
        return [generate(np.random.default_rng([77, i]), glyphs, "hard-board", (1280, 720))
                for i in range(16)]
    finally:
        del PRESETS["hard-board"]


def test_chalk_on_dim_boards_is_read(reader, board_photos):
    readings = [reader.read(p.image) for p in board_photos]
    assert all(r.light_ink for r in readings)
    hits = sum(match_digits(p.digits, r.digits) for p, r in zip(board_photos, readings))
    precision, recall, _ = scores(hits, sum(len(p.digits) for p in board_photos),
                                  sum(len(r.digits) for r in readings))
    assert precision >= 0.85 and recall >= 0.8, describe(board_photos, readings)


def test_chalk_under_uneven_light_is_read_as_light_strokes(reader, glyphs):
    # Bright patches of light on a dark board pass for a sheet of paper, so
    # dark ink is tried first; read that way, the board's grain gives twice
    # as many specks as there are digits, most of them read unsurely.
    photo = generate(np.random.default_rng([5700, 6]), glyphs, "hard")
    reading = reader.read(photo.image)
    assert reading.light_ink
    hits = match_digits(photo.digits, reading.digits)
    assert hits >= 12 and len(reading.digits) - hits <= 1, describe([photo], [reading])


def test_pencil_in_an_underexposed_shaded_photo_is_read(reader, glyphs):
    # Exposure 0.55 under a cast shadow, with motion blur: the paper is a
    # dark grey and the pencil only about ten grey levels darker.
    photo = generate(np.random.default_rng([501, 29]), glyphs, "hard")
    reading = reader.read(photo.image)
    assert match_digits(photo.digits, reading.digits) >= 18, describe([photo], [reading])


def test_light_pencil_below_the_contrast_floor_is_read(reader, glyphs):
    # Light pencil on grey paper in a 640x480 photo: most strokes are fainter
    # than the usual contrast floor, but stand far above the noise once
    # blurred to their own width.
    photo = generate(np.random.default_rng([500, 13]), glyphs, "hard")
    reading = reader.read(photo.image)
    hits = match_digits(photo.digits, reading.digits)
    assert hits >= 15 and len(reading.digits) - hits <= 2, describe([photo], [reading])


def turned_box(box, shape):
    """A box of an image after the image is turned a quarter clockwise."""
    x, y, w, h = box
    return {"x": shape[0] - (y + h), "y": x, "w": h, "h": w}


@pytest.mark.xfail(strict=True, reason="photos stored a quarter turned are often read as "
                   "they are: the turned reading is tried only when the upright digits look "
                   "wide or unsure, and kept only when its score is 1.2 times higher")
def test_sheets_turned_a_quarter_are_read_upright(reader, clean_photos):
    photos, readings = [], []
    for photo in clean_photos:
        turned = cv2.rotate(photo.image, cv2.ROTATE_90_CLOCKWISE)
        truth = [{**turned_box((d["x"], d["y"], d["w"], d["h"]), photo.image.shape),
                  "label": d["label"]} for d in photo.digits]
        reading = reader.read(turned)
        assert_boxes_inside(reading.digits, turned.shape)
        photos.append(photo)
        readings.append((truth, reading))
    upright = [reader.read(p.image).text for p in photos]
    assert [r.text for _, r in readings] == upright
    assert label_f1([(t, r.digits) for t, r in readings]) >= MIN_F1


@pytest.fixture(scope="module")
def grid_photos(glyphs):
    photos = []
    for seed in GRID_SEEDS:
        rng = np.random.default_rng(seed)
        height = 60.0
        paper = sample_paper(rng, "white", "grid", height)
        sheet = make_sheet(rng, glyphs, n_digits=10, digit_height=height, paper=paper,
                           ink=sample_ink(rng, "ballpoint"))
        photos.append(photograph(sheet, rng, size=(1024, 768), condition="clean"))
    return photos


@pytest.fixture(scope="module")
def grid_readings(reader, grid_photos):
    return [reader.read(p.image) for p in grid_photos]


def test_grid_lines_are_not_read_as_digits(grid_photos, grid_readings):
    for photo, reading in zip(grid_photos, grid_readings):
        truth = [(d["x"], d["y"], d["w"], d["h"]) for d in photo.digits]
        stray = [(d.box, d.label) for d in reading.digits
                 if not any(overlaps(d.box, box) for box in truth)]
        assert len(stray) <= 1, f"stray detections {stray} on a sheet reading {photo.text!r}"


def test_digits_on_grid_paper_are_read(grid_photos, grid_readings):
    f1 = label_f1([(p.digits, r.digits) for p, r in zip(grid_photos, grid_readings)])
    assert f1 >= MIN_F1, describe(grid_photos, grid_readings)


def test_digits_in_one_net_with_a_dark_grid_are_read(reader, glyphs):
    # A webcam shot of squared paper whose dark lines join all the digits
    # into one net: the net sets the typical height, and the lines found
    # with it were only the long horizontal family, which cut the vertical
    # lines into digit-sized strokes (eight true digits, none read).
    assert_reads_most(reader, generate(np.random.default_rng([9102, 53]), glyphs, "webcam"),
                      8, 6)


@pytest.fixture(scope="module")
def light_ruled_kraft_photos(glyphs):
    # Brown kraft paper whose grid or rules are printed lighter than it: the
    # paper's estimate took the light lines for the paper, and the paper for
    # ink (26 of 80 digits read).
    photos = []
    for seed in range(4):
        for rule in ("grid", "ruled"):
            rng = np.random.default_rng([31, seed])
            height = 60.0
            paper = replace(sample_paper(rng, "kraft", rule, height),
                            rule_color=(0.92, 0.9, 0.88), rule_strength=0.8)
            sheet = make_sheet(rng, glyphs, n_digits=10, digit_height=height, paper=paper,
                               ink=sample_ink(rng, "ballpoint"))
            photos.append(photograph(sheet, rng, size=(1280, 720), condition="webcam"))
    return photos


def test_digits_on_kraft_paper_ruled_lighter_than_itself_are_read(reader,
                                                                   light_ruled_kraft_photos):
    readings = [reader.read(p.image) for p in light_ruled_kraft_photos]
    f1 = label_f1([(p.digits, r.digits) for p, r in zip(light_ruled_kraft_photos, readings)])
    assert f1 >= 0.85, describe(light_ruled_kraft_photos, readings)


def test_light_digits_on_a_dark_sheet_on_a_lighter_grainy_desk_are_read(reader, glyphs):
    # Chalk-coloured digits on a slate card in a dim, noisy shot of a desk
    # lighter than the card: read as dark ink, the desk's grain gave 43 sure
    # and unsure "digits", more sure ones than the right polarity's eight.
    photo = generate(np.random.default_rng([7106, 1]), glyphs, "hard")
    reading = reader.read(photo.image)
    assert len(photo.digits) == 8
    assert reading.light_ink, reading.text
    assert match_digits(photo.digits, reading.digits) >= 6, (photo.text, reading.text)
    assert len(reading.digits) <= 10, (photo.text, reading.text)


@pytest.mark.parametrize("seed, n_digits", [((7109, 54), 11), ((7109, 11), 4)])
def test_light_digits_on_a_dark_card_on_a_light_desk_are_read(reader, glyphs, seed, n_digits):
    # Most of the photo is a light desk, so the ink is guessed dark; read
    # that way, the card's light strokes gave no digit at all.
    photo = generate(np.random.default_rng(seed), glyphs, "hard")
    reading = reader.read(photo.image)
    assert len(photo.digits) == n_digits
    assert reading.light_ink, reading.text
    assert match_digits(photo.digits, reading.digits) >= n_digits - 1, (photo.text, reading.text)
    assert len(reading.digits) <= n_digits + 1, (photo.text, reading.text)


def test_one_light_digit_does_not_overturn_a_dark_reading(reader, glyphs):
    # Two faint dark 1s that the dark reading misses; read as light ink, the
    # paper between strokes gave one sure "digit", a false find.
    photo = generate(np.random.default_rng([7108, 39]), glyphs, "hard")
    reading = reader.read(photo.image)
    assert not reading.light_ink, reading.text
    assert len(reading.digits) == match_digits(photo.digits, reading.digits), reading.text


@pytest.mark.parametrize("seed, condition, n_digits", [((7104, 39), "clean", 13),
                                                      ((7101, 1), "webcam", 16)])
def test_a_1_touching_its_neighbour_in_a_number_is_read_as_two_digits(reader, glyphs, seed,
                                                                      condition, n_digits):
    # A 1 touching the 6 or the 3 beside it in a long number: the blob is
    # about as wide as tall, and its cuts were refused for the part read as
    # 1, as the stem of a letter cut off reads as 1 too (two digits lost).
    photo = generate(np.random.default_rng(seed), glyphs, condition)
    reading = reader.read(photo.image)
    assert len(photo.digits) == n_digits
    assert match_digits(photo.digits, reading.digits) == n_digits, (photo.text, reading.text)


@pytest.mark.parametrize("seed, condition, n_digits", [((7104, 14), "clean", 2),
                                                      ((7103, 38), "webcam", 9),
                                                      ((7103, 51), "webcam", 5),
                                                      ((7102, 1), "webcam", 16)])
def test_letters_of_a_word_are_not_read_as_digits(reader, glyphs, seed, condition, n_digits):
    # A printed TEXT whose Ts read as 7s, handwritten letters beside the
    # digits' rows (an a read as 0, an E cut from NEW read as 1), and the
    # IT of a printed WRITE read as 17: each read surely, beside letters.
    assert_reads_exactly(reader, generate(np.random.default_rng(seed), glyphs, condition),
                         n_digits)


def test_wood_grain_beside_the_sheet_is_not_read_as_faint_digits(reader, glyphs):
    # Streaks of a wood desk stand far above the noise at the scale of
    # strokes, like faint pencil, and one read as a 1.
    assert_reads_exactly(reader, generate(np.random.default_rng([7108, 56]), glyphs, "hard"), 7)


def test_large_digits_on_a_faint_grid_are_not_taken_for_its_lines(reader, glyphs):
    # Eight large digits joined to a faint grid into one net: searched
    # without their height, the grid's level was set by their strokes, and
    # its removal took them away.
    assert_reads_exactly(reader, generate(np.random.default_rng([7109, 53]), glyphs, "hard"), 8)


def test_digits_in_a_deep_shadow_are_read(reader, glyphs):
    # Dark ink on paper in a shadow as dark as a blackboard: the strokes
    # are only a few grey levels darker, but stand far above the noise.
    assert_reads_exactly(reader, generate(np.random.default_rng([7107, 41]), glyphs, "hard"), 4)
    assert_reads_most(reader, generate(np.random.default_rng([7107, 16]), glyphs, "hard"), 8, 8)


@pytest.mark.parametrize("seed, condition, n_digits", [((7104, 24), "clean", 20),
                                                      ((7107, 35), "hard", 3)])
def test_stretches_of_a_faint_line_are_not_read_as_1s(reader, glyphs, seed, condition,
                                                      n_digits):
    # A faint margin or grid line, cut into digit-tall stretches by the
    # rules that cross it: a stretch alone passes for a 1.
    assert_reads_exactly(reader, generate(np.random.default_rng(seed), glyphs, condition),
                         n_digits)


@pytest.mark.parametrize("seed, n_digits", [((7101, 44), 5), ((7102, 37), 2)])
def test_letters_are_not_cut_into_digits(reader, glyphs, seed, n_digits):
    # Handwritten Xs and a green NN beside the numbers: each read as a
    # letter whole, but cut in two, their parts read surely as 7 and 6, or
    # 1 and 7.
    assert_reads_exactly(reader, generate(np.random.default_rng(seed), glyphs, "webcam"),
                         n_digits)


def test_touching_digits_wider_than_a_letter_are_cut_though_they_read_as_one(reader, glyphs):
    # Three touching 8s, wider than letters are, read whole as a letter;
    # their row has too few sure digits to count as a number.
    assert_reads_most(reader, generate(np.random.default_rng([7109, 2]), glyphs, "hard"),
                      12, 11)


def test_pencil_digits_on_a_faint_grid_are_not_joined_to_its_stretches(reader, glyphs):
    # Pencil digits on squared paper whose faint grid was only partly found:
    # stretches of grid line left in the mask, four times fainter than the
    # pencil, were joined to the digits stacked under them (six of nine
    # digits lost).
    assert_reads_most(reader, generate(np.random.default_rng([7101, 32]), glyphs, "webcam"),
                      9, 8)


def test_small_digits_on_a_fine_grid_are_not_taken_for_its_lines(reader, glyphs):
    # Red digits about one square tall: nearly all of each digit's ink lies
    # on or beside a grid line, but it is far darker than the lines (nine of
    # fourteen digits were dropped as stretches of line).
    assert_reads_most(reader, generate(np.random.default_rng([9103, 75]), glyphs, "webcam"),
                      14, 12)


def test_large_digits_over_a_faint_grid_are_read(reader, glyphs):
    # Marker digits two squares tall over light blue squares whose lines the
    # lens bends: runs of line as long as the search demanded (two and a
    # half digits) seldom stay straight, and the rest of the grid joined the
    # digits (six of sixteen read).
    assert_reads_most(reader, generate(np.random.default_rng([9103, 56]), glyphs, "webcam"),
                      16, 12)


def touching_pair(first, second, overlap=3):
    """Two white-on-black digits side by side, their ink overlapping by a few pixels."""
    def joined(shift):
        ink = np.zeros((first.shape[0], shift + second.shape[1]), np.uint8)
        ink[:, :first.shape[1]] = first
        ink[:, shift:] = np.maximum(ink[:, shift:], second)
        return ink

    apart = pieces(first) + pieces(second)
    shift = next(s for s in range(first.shape[1], 0, -1) if pieces(joined(s)) < apart)
    return joined(max(shift - overlap, 0))


@pytest.mark.xfail(strict=True, reason="touching digits are split in about half of the "
                   "pairs only; pairs with a 1 are read as one digit or not at all")
def test_touching_digits_are_read_as_two(reader, mnist_test):
    images, labels = mnist_test
    rng = np.random.default_rng(5)
    wrong = []
    pairs = 12
    for k in range(pairs):
        a, b = (int(v) for v in rng.integers(10, size=2))
        ink = touching_pair(enlarged(images[first_of(labels, a, k)], 120),
                            enlarged(images[first_of(labels, b, k)], 120))
        assert pieces(ink) < pieces(enlarged(images[first_of(labels, a, k)], 120)) + \
            pieces(enlarged(images[first_of(labels, b, k)], 120))
        reading = reader.read(on_paper(ink))
        if [d.label for d in reading.digits] != [a, b]:
            wrong.append(f"{a}{b} read {reading.text!r}")
    assert len(wrong) <= 2, f"{len(wrong)} of {pairs} pairs read wrongly: {wrong}"


@pytest.mark.parametrize("label, where", [
    pytest.param(7, 0.5, marks=pytest.mark.xfail(
        strict=True, reason="a lone digit broken near mid-height leaves two parts of similar "
        "height; with no other digits to tell the usual height, they are not joined")),
    (7, 0.7),
    pytest.param(1, 0.5, marks=pytest.mark.xfail(
        strict=True, reason="a lone digit broken near mid-height leaves two parts of similar "
        "height; with no other digits to tell the usual height, they are not joined")),
    (9, 0.7),
    (4, 0.7),
])
def test_digit_with_a_gap_in_its_stroke_is_one_digit(reader, mnist_test, label, where):
    images, labels = mnist_test
    ink = enlarged(images[first_of(labels, label)], 160)
    rows = np.flatnonzero((ink > 128).any(axis=1))
    cut = int(rows[0] + where * (rows[-1] - rows[0]))
    ink[cut - 3:cut + 3] = 0  # 6 px, about 5% of the digit's height
    assert pieces(ink) == 2
    reading = reader.read(on_paper(ink))
    assert [d.label for d in reading.digits] == [label]


def blank_photo(seed):
    """A webcam photo of plain paper filling the frame."""
    rng = np.random.default_rng(seed)
    paper = sample_paper(rng, "white", "plain", 60)
    albedo = np.clip(paper_albedo(rng, (900, 1200), paper), 0, 1)
    sheet = Sheet(cv2.convertScaleAbs(albedo, alpha=255.0), [], [], paper=paper)
    return photograph(sheet, rng, size=(1280, 720), condition="webcam",
                      pose=dict(center=(600, 450), scale=1.0, angle=3)).image


def printed_text_photo():
    lines = ["Shopping list", "bread and butter", "call the office", "Meeting room",
             "quick brown fox jumps", "over the lazy dog", "THANK YOU"]
    image = np.full((720, 1280, 3), 235, np.uint8)
    for k, line in enumerate(lines):
        cv2.putText(image, line, (60, 90 + 90 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (30, 30, 30),
                    3, cv2.LINE_AA)
    image = cv2.GaussianBlur(image, (0, 0), 0.8)
    noise = np.random.default_rng(1).normal(0, 4, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def noise_photos():
    """Colour noise, and grey noise around mid-grey, three of each."""
    rng = np.random.default_rng(3)
    colour = [rng.integers(0, 256, (480, 640, 3), dtype=np.uint8) for _ in range(3)]
    grey = [np.clip(rng.normal(128, 40, (480, 640)), 0, 255).astype(np.uint8) for _ in range(3)]
    return colour + grey


@pytest.mark.parametrize("make", [
    pytest.param(lambda: [blank_photo(1), blank_photo(2)], id="blank-paper"),
    pytest.param(lambda: [printed_text_photo()], id="printed-text", marks=pytest.mark.xfail(
        strict=True, reason="printed letters (o, l, S, B...) are read as digits")),
    pytest.param(noise_photos, id="noise"),
])
def test_no_digits_where_there_are_none(reader, make):
    for k, image in enumerate(make()):
        digits = reader.read(image).digits
        assert len(digits) == 0 or (len(digits) == 1 and digits[0].confidence < 0.7), \
            (k, [(d.box, d.label, round(d.confidence, 2)) for d in digits])


def pencil_on_squared_paper(glyphs, seed):
    """Light pencil digits on squared paper, photographed by a noisy phone
    that sharpens: the pencil barely stands above the noise pixel by pixel."""
    rng = np.random.default_rng(seed)
    sheet = make_sheet(rng, glyphs, n_digits=10, digit_height=110,
                       paper=sample_paper(rng, "cream", "grid", 110),
                       ink=replace(sample_ink(rng, "pencil"), opacity=0.6), desk=None)
    camera = Camera(noise=0.02, shot_noise=0.03, sharpen=0.75, gamma=1.14, vignette=0.5,
                    gradient=0.24, blur=2.5, jpeg_quality=60)
    centre = (sheet.size[0] / 2, sheet.size[1] / 2)
    return photograph(sheet, rng, size=(1920, 1080), condition="hard", camera=camera,
                      pose=dict(center=centre, scale=1.0, angle=2))


def test_light_pencil_in_a_noisy_photo_is_read(reader, glyphs):
    photos = [pencil_on_squared_paper(glyphs, seed) for seed in range(6)]
    readings = [reader.read(photo.image) for photo in photos]
    assert label_f1([(p.digits, r.digits) for p, r in zip(photos, readings)]) >= 0.7, \
        describe(photos, readings)


def row_of_digits(mnist_test, size, labels=(3, 5, 8, 0, 2, 6, 4, 9)):
    """MNIST test digits scaled to ``size`` pixels, side by side on paper."""
    images, all_labels = mnist_test
    ink = np.hstack([cv2.resize(images[first_of(all_labels, label)], (size, size),
                                interpolation=cv2.INTER_AREA) for label in labels])
    return on_paper(ink), list(labels)


def test_specks_under_ten_pixels_are_not_digits(reader, mnist_test):
    tiny, _ = row_of_digits(mnist_test, 13)
    assert reader.read(tiny).digits == []
    ordinary, labels = row_of_digits(mnist_test, 28)
    assert [d.label for d in reader.read(ordinary).digits] == labels


@pytest.mark.parametrize("n", range(3))
def test_digits_cut_in_half_by_the_frame_are_not_reported(reader, mnist_test, n):
    images, all_labels = mnist_test
    labels, size = (3, 5, 8, 0, 2, 6, 4, 9), 60
    ink = np.hstack([enlarged(images[first_of(all_labels, label, n)], size) for label in labels])
    page = on_paper(ink)
    # Half of the first and of the last digit are in the picture.
    picture = page[:, 50 + size // 2:50 + 7 * size + size // 2]
    reading = reader.read(picture)
    assert [d.label for d in reading.digits] == list(labels[1:7]), \
        [(d.box, d.label) for d in reading.digits]


def test_a_28_by_28_image_is_read(reader, mnist_test):
    images, labels = mnist_test
    for label in range(10):
        digit = images[first_of(labels, label)]
        reading = reader.read(255 - digit)
        assert [d.label for d in reading.digits] == [label]
        assert_boxes_inside(reading.digits, digit.shape)


def page_of_digits(images, rows=3, columns=8, size=64):
    """MNIST digits enlarged to ``size`` px, in rows, as white ink on black,
    and where each one is: (x, y, digit)."""
    height, width = rows * 2 * size + 200, columns * int(1.1 * size) + 200
    ink = np.zeros((height, width), np.uint8)
    places = []
    for k, digit in enumerate(images[:rows * columns]):
        x, y = 100 + int(1.1 * size) * (k % columns), 100 + 2 * size * (k // columns)
        digit = enlarged(digit, size)
        ink[y:y + size, x:x + size] = digit
        places.append((x, y, digit))
    return ink, places


def turned_about_centre(image, degrees):
    """An image turned counter-clockwise about its centre, in its own frame."""
    h, w = image.shape
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, rotation, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)


def digit_images_by_place(reading, boxes):
    """The normalised image of the digit read at each box (None if none)."""
    images = []
    for box in boxes:
        best = max(reading.digits, key=lambda d: box_iou(d.box, box), default=None)
        images.append(best.image if best is not None and box_iou(best.box, box) >= 0.3 else None)
    return images


def correlation(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


@pytest.mark.parametrize("degrees", [15.0, -15.0])
def test_digits_of_a_turned_page_are_normalised_as_if_upright(reader, mnist_test, degrees):
    # The classifier learnt upright digits: the digits of a turned page
    # must reach it as they would from the page upright.
    images, _ = mnist_test
    ink, places = page_of_digits(images)
    upright_boxes, turned_boxes = [], []
    for x, y, digit in places:
        alone = np.zeros_like(ink)
        alone[y:y + digit.shape[0], x:x + digit.shape[1]] = digit
        for boxes, angle in ((upright_boxes, 0.0), (turned_boxes, degrees)):
            ys, xs = np.nonzero(turned_about_centre(alone, angle) > 128)
            boxes.append((int(xs.min()), int(ys.min()), int(np.ptp(xs) + 1), int(np.ptp(ys) + 1)))
    upright = digit_images_by_place(reader.read(on_paper(ink, margin=0)), upright_boxes)
    turned = digit_images_by_place(
        reader.read(on_paper(turned_about_centre(ink, degrees), margin=0)), turned_boxes)
    pairs = [(a, b) for a, b in zip(upright, turned) if a is not None and b is not None]
    assert len(pairs) >= 22
    assert np.mean([correlation(a, b) for a, b in pairs]) >= 0.95


def test_a_12_megapixel_photo_is_read(reader, glyphs):
    photo = generate(np.random.default_rng([7, 100]), glyphs, "clean", (4000, 3000))
    reading = reader.read(photo.image)
    assert_boxes_inside(reading.digits, photo.image.shape)
    assert label_f1([(photo.digits, reading.digits)]) >= MIN_F1, (photo.text, reading.text)


def test_readings_are_repeatable(reader, clean_photos):
    image = clean_photos[1].image
    first, second = reader.read(image), reader.read(image.copy())
    assert [(d.box, d.label, d.confidence) for d in first.digits] == \
        [(d.box, d.label, d.confidence) for d in second.digits]


def sheet_on_dark_rules(mnist_test, labels=(5, 8, 1, 2, 0, 3, 7, 4), size=90):
    """Digits written across dark ruled lines, with a red margin line whose
    darkness varies along it: digits, rules and margin make one net of ink."""
    images, all_labels = mnist_test
    page = np.full((480, 640, 3), 235, np.uint8)
    for y in range(10, 480, 120):
        cv2.line(page, (0, y), (639, y + 12), (90, 90, 90), 3, cv2.LINE_AA)
    for y in range(0, 480, 40):
        shade = 60 if (y // 40) % 2 else 140
        cv2.line(page, (70, y), (69, y + 40), (shade, shade, 230), 2, cv2.LINE_AA)
    truth = []
    for k, label in enumerate(labels):
        digit = enlarged(images[first_of(all_labels, label)], size)
        row, column = divmod(k, 4)
        x0, y0 = 110 + 130 * column, 130 + 120 * row - size + 25
        region = page[y0:y0 + size, x0:x0 + size]
        darkness = (digit.astype(np.float32) / 255)[:, :, None]
        region[:] = (region * (1 - darkness) + np.float32([120, 40, 30]) * darkness).astype(np.uint8)
        truth.append(ink_truth(digit, x0, y0, label))
    return page, truth


def test_digits_across_dark_ruled_lines_are_read(reader, mnist_test):
    page, truth = sheet_on_dark_rules(mnist_test)
    digits = reader.read(page).digits
    found = [d for d in digits if any(box_iou(d.box, truth_box(t)) >= 0.3 for t in truth)]
    assert len(found) == len(truth), [(d.box, d.label) for d in digits]
    # A line through a digit's lower loop may still change its label (3 to 9).
    assert label_f1([(truth, digits)]) >= 0.75, [(d.box, d.label) for d in digits]
    margin = [d for d in digits if d.x < 90]
    assert not margin, f"the margin line was read as digits: {[(d.box, d.label) for d in margin]}"


def sheet_with_rules_across_the_digits(mnist_test, labels=(3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5),
                                       size=36):
    """A sheet filling the top half of the frame, with grey vertical rules
    that end at its edge; every other digit is written across a rule. The
    rules are separate pieces of ink, taller than the digits and more
    numerous."""
    images, all_labels = mnist_test
    frame = np.full((480, 640, 3), 150, np.uint8)
    frame[:230] = 235
    for x in range(0, 660, 70):
        cv2.line(frame, (x, 0), (x + 12, 222), (150, 150, 150), 2, cv2.LINE_AA)
    truth = []
    for k, label in enumerate(labels):
        digit = enlarged(images[first_of(all_labels, label, 1)], size)
        y0, x0 = 90, 35 * (k + 2) + 6 - size // 2
        region = frame[y0:y0 + size, x0:x0 + size]
        darkness = (digit / 255.0)[:, :, None]
        region[:] = (region * (1 - darkness) + np.float32([120, 40, 30]) * darkness).astype(np.uint8)
        truth.append(ink_truth(digit, x0, y0, label))
    noise = np.random.default_rng(0).normal(0, 3, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8), truth


def test_digits_across_rules_taller_than_them_are_read(reader, mnist_test):
    # The rules outnumber the digits: were they taken for digits, the
    # digits' height would seem that of the rules, no rule would be long
    # enough to be a printed line, and the digits on them would be lost.
    image, truth = sheet_with_rules_across_the_digits(mnist_test)
    digits = reader.read(image).digits
    assert label_f1([(truth, digits)]) >= 0.85, [(d.box, d.label) for d in digits]


def sheet_on_dark_desk(mnist_test, ruled, rows=((2, 0, 7, 4, 9, 1), (5, 2, 8, 6, 0, 4)),
                       pen_lines=()):
    """Two rows of digits on a sheet turned a little on a dark desk (the desk
    along the sheet's edge rings the sheet with dark ink); optionally ruled
    in light blue, or with pen lines drawn across the sheet at the heights
    ``pen_lines`` (the rows span 70 to 126 and 170 to 226)."""
    images, all_labels = mnist_test
    sheet = np.full((300, 440, 3), 235, np.uint8)
    if ruled:
        for y in range(24, 300, 36):
            cv2.line(sheet, (0, y), (439, y), (205, 170, 150), 2, cv2.LINE_AA)
    for y in pen_lines:
        cv2.line(sheet, (30, y), (420, y + 6), (120, 40, 30), 3, cv2.LINE_AA)
    for row, labels in enumerate(rows):
        for k, label in enumerate(labels):
            darkness = (enlarged(images[first_of(all_labels, label)], 56) / 255.0)[:, :, None]
            y0, x0 = 70 + 100 * row, 40 + 62 * k
            region = sheet[y0:y0 + 56, x0:x0 + 56]
            region[:] = (region * (1 - darkness)
                         + np.float32([120, 40, 30]) * darkness).astype(np.uint8)
    turn = cv2.getRotationMatrix2D((220, 150), 6, 1.0)
    turn[:, 2] += (100, 90)
    frame = np.full((480, 640, 3), 45, np.uint8)
    cv2.warpAffine(sheet, turn, (640, 480), dst=frame, borderMode=cv2.BORDER_TRANSPARENT)
    noise = np.random.default_rng(0).normal(0, 4, frame.shape)
    text = "".join("".join(map(str, labels)) for labels in rows)
    return np.clip(frame + noise, 0, 255).astype(np.uint8), text


@pytest.mark.parametrize("ruled", [False, True])
def test_only_sheets_with_lines_are_searched_for_lines(reader, mnist_test, ruled):
    # The dark ring of desk around a plain sheet is no reason to search for
    # printed lines (that search is a third of a webcam frame's time); the
    # rules of a ruled sheet on the same desk still are found.
    image, text = sheet_on_dark_desk(mnist_test, ruled)
    assert (_Layers.of(image, 1.0, False).lines is not None) == ruled
    reading = reader.read(image)
    assert reading.text.replace(" ", "") == text
    assert reading.printed_lines == ruled
    # A caller that knows there are none (a video loop between full scans)
    # can spare the search.
    assert not reader.read(image, find_lines=False).printed_lines


@pytest.mark.parametrize("ruled", [False, True])
def test_only_lines_beside_the_digits_make_a_sheet_lined(reader, mnist_test, ruled):
    # Framed tighter, the sheet runs out at the top and at its lower left
    # corner: the desk along its other edges rings it no more, and the
    # search takes the desk's straight edges for lines. Lines away from
    # every digit do not make the sheet lined: a video loop would search
    # every frame for them.
    image, text = sheet_on_dark_desk(mnist_test, ruled)
    image = image[120:390]
    assert _Layers.of(image, 1.0, False).lines is not None
    reading = reader.read(image)
    assert reading.text.replace(" ", "") == text
    assert reading.printed_lines == ruled


@pytest.mark.parametrize("pen_lines, searched", [((140,), False), ((140, 150, 160), True)])
def test_a_stroke_on_its_own_is_no_reason_to_search_for_lines(reader, mnist_test, pen_lines,
                                                               searched):
    # An underline clear of the digits is dropped as a shape, with nothing
    # to take out of the digits; three parallel lines may be the rules of a
    # sheet, which often run into digits, and are searched for.
    image, text = sheet_on_dark_desk(mnist_test, False, pen_lines=pen_lines)
    assert (_Layers.of(image, 1.0, False).lines is not None) == searched
    assert reader.read(image).text.replace(" ", "") == text


def test_strokes_resting_on_a_ruled_line_are_kept(reader, mnist_test):
    # Small digits in a light pen, each with its lowest stroke just above a
    # grey rule: the base of a 2 must not go with the rule (a 2 read as 7).
    images, labels = mnist_test
    read = []
    for label in range(10):
        for n in range(3):
            digit = enlarged(images[first_of(labels, label, n)], 50)
            page = np.full((400, 600), 235, np.float32)
            for y in range(20, 400, 55):
                cv2.line(page, (0, y), (599, y), 140, 2, cv2.LINE_AA)
            y0 = 185 - 2 - int(np.nonzero(digit > 128)[0].max())
            region = page[y0:y0 + 50, 260:310]
            darkness = digit.astype(np.float32) / 255
            region[:] = np.minimum(region, region * (1 - darkness) + 120 * darkness)
            page = cv2.GaussianBlur(page, (0, 0), 1.0).astype(np.uint8)
            read.append((label, reader.read(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)).text))
    assert sum(text == str(label) for label, text in read) >= 29, read


@pytest.mark.parametrize("label", [7, 4, 9])
def test_a_line_drawn_under_a_digit_is_not_part_of_it(reader, mnist_test, label):
    images, labels = mnist_test
    digit = enlarged(images[first_of(labels, label)], 150)
    ys, xs = np.nonzero(digit > 128)
    page = on_paper(digit, margin=80)
    bottom = 80 + int(ys.max())
    cv2.line(page, (80 + int(xs.min()) - 25, bottom + 14), (80 + int(xs.max()) + 25, bottom + 20),
             (40, 40, 40), 5, cv2.LINE_AA)
    digits = reader.read(page).digits
    assert [d.label for d in digits] == [label]
    assert digits[0].y + digits[0].h <= bottom + 3, digits[0].box


@pytest.mark.parametrize("seed", [[5300, 116], [5600, 66]])
def test_a_sheet_drowned_in_noise_at_full_size_is_read_at_a_coarser_scale(reader, glyphs, seed):
    # Noisy webcam shots in which, at full size, most pieces of the digits
    # fall below the noise test; at a coarser scale the same digits stand out.
    photo = generate(np.random.default_rng(seed), glyphs, "webcam")
    reading = reader.read(photo.image)
    assert match_digits(photo.digits, reading.digits) >= 0.8 * len(photo.digits), \
        describe([photo], [reading])


@pytest.mark.parametrize("seed, condition, xs, labels", [
    # A 4 leaning into an 8 (webcam sheet): together no wider than tall, and
    # read as one digit only unsurely.
    pytest.param([6100, 9], "webcam", (929, 959), [4, 8], id="square-blob"),
    # Two 0s (webcam sheet): cut at its columns of least ink, through the
    # loops, the blob reads as a 1 and a 0.
    pytest.param([5600, 22], "webcam", (322, 352), [0, 0], id="two-zeros"),
    # A 2, a 4 and a 7 in one blob (640x480 pencil sheet): no single cut
    # leaves two digits, the blob must be cut twice.
    pytest.param([6200, 57], "hard", (212, 227, 247), [2, 4, 7], id="three-in-a-blob"),
    # Two 9s whose tails meet (webcam sheet on squared paper): a straight cut
    # leaves the first loop alone (a 6) and the rest (an unsure 0); only a
    # bent cut gives two sure 9s.
    pytest.param([5300, 52], "webcam", (108, 161), [9, 9], id="tails-that-meet"),
])
def test_touching_digits_on_a_sheet_are_all_read(reader, glyphs, seed, condition, xs, labels):
    photo = generate(np.random.default_rng(seed), glyphs, condition)
    touching = [d for d in photo.digits if d["x"] in xs]
    assert [d["label"] for d in touching] == labels
    reading = reader.read(photo.image)
    assert match_digits(touching, reading.digits) == len(labels), describe([photo], [reading])


@pytest.mark.parametrize("seed, xs, at_least", [
    # Light pencil on squared paper (640x480): most digits drown in the
    # noise, three are read surely.
    ([6200, 46], (121, 156, 180, 237, 270, 311, 341, 383, 421, 449, 483, 148, 184, 254, 285), 5),
    # Pencil on grey paper (640x480): the 2 that starts a row and the 3 that
    # ends it are fainter than the digits between them.
    ([5700, 25], (119, 505), 2),
])
def test_faint_digits_in_a_row_of_digits_read_are_read(reader, glyphs, seed, xs, at_least):
    photo = generate(np.random.default_rng(seed), glyphs, "hard")
    wanted = [d for d in photo.digits if d["x"] in xs]
    assert len(wanted) == len(xs)
    reading = reader.read(photo.image)
    hits = match_digits(wanted, reading.digits)
    strays = len(reading.digits) - match_digits(photo.digits, reading.digits)
    assert hits >= at_least and strays <= 1, describe([photo], [reading])


def test_digits_with_noise_clinging_to_their_strokes_are_read(reader, glyphs):
    # A blurred, noisy shot of marker digits on squared paper: noise next to
    # the thick strokes fills the loops and bends of the 2s and the 8 in
    # their masks.
    photo = generate(np.random.default_rng([5500, 13]), glyphs, "hard")
    reading = reader.read(photo.image)
    twos_and_eight = [d for d in photo.digits if d["label"] in (2, 8)]
    assert len(twos_and_eight) == 3
    assert match_digits(twos_and_eight, reading.digits) == 3, describe([photo], [reading])


@pytest.mark.parametrize("label, where", [(7, 0.5), (9, 0.5), (3, 0.55), (1, 0.5)])
def test_digit_broken_at_mid_height_among_others_is_one_digit(reader, mnist_test, label, where):
    # Beside whole digits, a part half their height that reads as a digit
    # of its own is rather a broken one, joined with the part below it.
    images, labels = mnist_test
    row = [2, 5, label, 0, 6]
    digits = [enlarged(images[first_of(labels, d, n=1)], 100) for d in row]
    ink = digits[2]
    rows = np.flatnonzero((ink > 128).any(axis=1))
    cut = int(rows[0] + where * (rows[-1] - rows[0]))
    ink[cut - 2:cut + 2] = 0
    assert pieces(ink) == 2
    reading = reader.read(on_paper(np.hstack(digits)))
    assert [d.label for d in reading.digits] == row


def test_small_digits_are_read_from_their_ink_not_their_jagged_mask(reader, mnist_test):
    # MNIST digits in 18 px boxes (their ink about 13 px tall), dark grey
    # on light paper, ten to a row.
    images, labels = mnist_test
    size, margin, right = 18, 20, 0
    for start in range(0, 120, 10):
        ink = np.hstack([cv2.resize(images[i], (size, size), interpolation=cv2.INTER_AREA)
                         for i in range(start, start + 10)])
        paper = np.full((size + 2 * margin, 10 * size + 2 * margin), 235, np.uint8)
        paper[margin:margin + size, margin:margin + 10 * size] -= (
            ink.astype(np.uint16) * 200 // 255).astype(np.uint8)
        for d in reader.read(cv2.cvtColor(paper, cv2.COLOR_GRAY2BGR)).digits:
            slot = int((d.x + d.w / 2 - margin) // size)
            right += 0 <= slot < 10 and d.label == labels[start + slot]
    assert right >= 104  # of 120


def test_small_digits_whose_strokes_ran_together_are_read(reader, mnist_test):
    # Thick MNIST digits 20 px tall, blurred: their loops and notches fill
    # in and the ink mask holds solid blobs, as small pen digits in a soft
    # webcam shot do. Ten to a row, twenty rows.
    images, labels = mnist_test
    rng = np.random.default_rng(0)
    size, gap, margin, right, found = 20, 8, 20, 0, 0
    for start in range(0, 200, 10):
        ink = np.hstack([np.pad(cv2.resize(cv2.dilate(images[i], np.ones((3, 3), np.uint8),
                                                      iterations=2),
                                           (size, size), interpolation=cv2.INTER_AREA),
                                ((0, 0), (gap // 2, gap // 2)))
                         for i in range(start, start + 10)])
        ink = cv2.GaussianBlur(ink, (0, 0), 1.0).astype(np.float32)
        paper = np.full((size + 2 * margin, ink.shape[1] + 2 * margin), 225, np.float32)
        paper[margin:-margin, margin:-margin] -= ink * 170 / 255
        paper += rng.normal(0, 3, paper.shape)
        image = cv2.cvtColor(np.clip(paper, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
        for d in reader.read(image).digits:
            slot = int((d.x + d.w / 2 - margin) // (size + gap))
            found += 1
            right += 0 <= slot < 10 and d.label == labels[start + slot]
    assert right >= 70 and found - right <= 8, (right, found)  # of 200


def test_digits_glued_to_a_grid_are_cut_free(reader, glyphs):
    # Clear pen digits on blue squares, under perspective: at first the
    # digits and the squares around them form nets that set the height the
    # lines are searched with, and at that height the lines had to run
    # straight further than they do; the nets stayed whole (four digits lost).
    assert_reads_most(reader, generate(np.random.default_rng([6100, 57]), glyphs, "webcam"),
                      9, 8)


def faint_pencil_frame(mnist_test, labels=(6, 9, 6, 9, 2, 9, 4, 8), size=34, seed=3):
    """A dim, noisy frame of a grey sheet with a row of pencil digits only
    about a tenth darker than the paper."""
    images, all_labels = mnist_test
    rng = np.random.default_rng(seed)
    paper = np.full((480, 640), 150.0, np.float32)
    truth = []
    for k, label in enumerate(labels):
        digit = enlarged(images[first_of(all_labels, label)], size)
        x0, y0 = 120 + 48 * k, 220
        darkness = digit.astype(np.float32) / 255
        paper[y0:y0 + size, x0:x0 + size] *= 1 - 0.12 * darkness
        truth.append(ink_truth(digit, x0, y0, label))
    frame = cv2.GaussianBlur(paper, (0, 0), 0.8) + rng.normal(0.0, 2.5, paper.shape)
    return cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR), truth


def test_pencil_fainter_than_the_ink_floor_is_read(reader, mnist_test):
    # Strokes about 0.1 darker than the paper: no pixel reaches the floor
    # that keeps shading and faint printed lines out of clean photos.
    frame, truth = faint_pencil_frame(mnist_test)
    reading = reader.read(frame)
    assert match_digits(truth, reading.digits) >= 6, reading.text
    assert len(reading.digits) <= len(truth) + 1, reading.text
