"""Tests of MNIST-format normalisation, deskewing and reading order."""

import random

import cv2
import numpy as np
import pytest

from preprocessing.normalize import centre_and_skew, deskew, deskew_batch, to_mnist
from preprocessing.reading_order import group_rows, reading_order, row_angle, split_numbers


def ellipse_ink(width, height, canvas=(160, 200), thickness=6):
    """An upright ring (a '0'), white ink on black, away from the canvas border."""
    ink = np.zeros(canvas, np.uint8)
    centre = (canvas[1] // 2, canvas[0] // 2)
    cv2.ellipse(ink, centre, (width // 2, height // 2), 0, 0, 360, 255, thickness, cv2.LINE_AA)
    return ink


def bar_ink(width, height, canvas=(160, 200)):
    ink = np.zeros(canvas, np.uint8)
    ink[30:30 + height, 50:50 + width] = 255
    return ink


def ink_extent(digit, level=0.1):
    """Width and height of the pixels above ``level`` of the peak."""
    ys, xs = np.nonzero(digit > level * digit.max())
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def centre_of_mass(digit):
    digit = digit.astype(float)
    ys, xs = np.mgrid[:digit.shape[0], :digit.shape[1]]
    return (digit * xs).sum() / digit.sum(), (digit * ys).sum() / digit.sum()


def shear(digit, skew):
    """Shear a 28x28 digit about row 14; positive ``skew`` leans its top left."""
    warp = np.float32([[1, skew, -skew * 14], [0, 1, 0]])
    return cv2.warpAffine(digit, warp, (28, 28), flags=cv2.INTER_LINEAR)


@pytest.mark.parametrize("make, long_side", [
    (lambda: ellipse_ink(60, 100), "h"),   # tall
    (lambda: ellipse_ink(120, 50), "w"),   # wide
    (lambda: bar_ink(30, 90), "h"),        # a thick upright stroke
    (lambda: ellipse_ink(12, 16, canvas=(30, 30), thickness=2), "h"),  # smaller than 20 px
])
def test_to_mnist_fits_ink_in_20_pixels_centred_on_14(make, long_side):
    digit = to_mnist(make())
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    w, h = ink_extent(digit)
    long, short = (h, w) if long_side == "h" else (w, h)
    assert 19 <= long <= 21
    assert short < long
    cx, cy = centre_of_mass(digit)
    assert abs(cx - 14) <= 0.5 and abs(cy - 14) <= 0.5


def test_to_mnist_keeps_the_aspect_ratio():
    w, h = ink_extent(to_mnist(ellipse_ink(60, 120)))
    assert 0.4 <= w / h <= 0.6


def test_to_mnist_accepts_float_ink():
    ink = ellipse_ink(60, 100)
    assert np.abs(to_mnist(ink.astype(np.float32)).astype(int) - to_mnist(ink)).max() <= 1


def test_thin_slanted_stroke_is_kept():
    # A "1" drawn 2 pixels wide and leaning: shrunk five times it fades
    # (area averaging) but must not vanish.
    ink = np.zeros((120, 80), np.uint8)
    cv2.line(ink, (50, 10), (30, 110), 255, 2)
    digit = to_mnist(ink)
    assert digit.max() >= 40
    _, h = ink_extent(digit)
    assert h >= 16
    cx, cy = centre_of_mass(digit)
    assert abs(cx - 14) <= 1.0 and abs(cy - 14) <= 1.0


def test_two_pixel_wide_ink_is_kept():
    ink = np.zeros((60, 2), np.uint8)
    ink[5:55] = 255
    digit = to_mnist(ink)
    assert digit.max() >= 100
    assert ink_extent(digit)[1] >= 18


@pytest.mark.parametrize("ink", [np.zeros((40, 30), np.uint8), np.zeros((28, 28), np.float32),
                                 np.zeros((1, 1), np.uint8)])
def test_empty_ink_gives_an_empty_digit(ink):
    digit = to_mnist(ink)
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert not digit.any()


def test_to_mnist_refuses_colour_input():
    with pytest.raises(ValueError):
        to_mnist(np.zeros((10, 10, 3), np.uint8))


@pytest.fixture
def upright_one():
    digit = np.zeros((28, 28), np.uint8)
    cv2.line(digit, (14, 4), (14, 23), 255, 3)
    cv2.line(digit, (14, 4), (10, 8), 255, 2)
    return digit


@pytest.mark.parametrize("skew", [0.45, -0.35])
def test_deskew_removes_the_slant(upright_one, skew):
    slanted = shear(upright_one, skew)
    measured = centre_and_skew(slanted)[2]
    assert abs(measured) > 0.25 and np.sign(measured) == np.sign(skew)

    straight = deskew(slanted)
    assert straight.dtype == np.uint8 and straight.shape == (28, 28)
    assert abs(centre_and_skew(straight)[2]) < 0.05
    cx, cy = centre_of_mass(straight)
    assert abs(cx - 14) <= 0.5 and abs(cy - 14) <= 0.5


def test_deskewing_twice_is_deskewing_once(upright_one):
    once = deskew(shear(upright_one, 0.4))
    twice = deskew(once)
    difference = np.abs(once.astype(int) - twice.astype(int))
    assert difference.mean() < 2
    assert abs(centre_and_skew(twice)[2]) < 0.05


def test_deskew_batch_matches_deskew(upright_one):
    stack = np.stack([shear(upright_one, s) for s in (-0.3, 0.0, 0.3)])
    assert np.array_equal(deskew_batch(stack), np.stack([deskew(d) for d in stack]))


def test_deskew_leaves_an_empty_digit_empty():
    assert not deskew(np.zeros((28, 28), np.uint8)).any()


def shuffled(boxes, seed=0):
    """Boxes in a random order and a map from new to old index."""
    order = list(range(len(boxes)))
    random.Random(seed).shuffle(order)
    return [boxes[i] for i in order], order


def as_original(numbers, order):
    return [[order[i] for i in number] for number in numbers]


def test_rows_that_slant_stay_rows():
    # Two rows of six digits rising 12 px per digit (more than a digit's
    # height over the row), 75 px apart.
    boxes = []
    for row_y in (300, 375):
        for k in range(6):
            boxes.append((40 + 38 * k, row_y - 12 * k, 26, 40))
    given, order = shuffled(boxes)
    assert as_original(reading_order(given), order) == [list(range(6)), list(range(6, 12))]


def test_rows_are_read_top_to_bottom():
    bottom = [(20 + 30 * k, 200, 22, 36) for k in range(3)]
    top = [(60 + 30 * k, 40, 22, 36) for k in range(4)]
    rows = group_rows(bottom + top)
    assert rows == [[3, 4, 5, 6], [0, 1, 2]]


def test_wide_gap_splits_a_row_into_numbers():
    # Gaps of 8 px inside numbers, 90 px (over two heights) between them.
    xs = [10, 40, 160, 190, 220]
    boxes = [(x, 50, 22, 40) for x in xs]
    given, order = shuffled(boxes, seed=3)
    assert as_original(reading_order(given), order) == [[0, 1], [2, 3, 4]]
    assert split_numbers([0, 1, 2, 3, 4], boxes) == [[0, 1], [2, 3, 4]]


def test_slanted_rows_with_numbers():
    boxes = [(30 + 35 * k + (60 if k >= 3 else 0), 100 - 8 * k, 25, 40) for k in range(6)]
    boxes += [(30 + 35 * k, 220 - 8 * k, 25, 40) for k in range(4)]
    given, order = shuffled(boxes, seed=5)
    assert as_original(reading_order(given), order) == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]


def test_reading_order_of_nothing():
    assert reading_order([]) == []


def row_of_boxes(angle, n=6, x0=40, y0=300, step=38, w=26, h=40):
    """Boxes whose centres run at ``angle`` degrees (y pointing down)."""
    slope = np.tan(np.radians(angle))
    return [(x0 + step * k, round(y0 + slope * step * k), w, h) for k in range(n)]


@pytest.mark.parametrize("angle", [-15.0, -4.0, 0.0, 8.0, 15.0])
def test_row_angle_is_the_angle_the_rows_run_at(angle):
    boxes = row_of_boxes(angle) + row_of_boxes(angle, y0=420)
    assert row_angle(shuffled(boxes)[0]) == pytest.approx(angle, abs=0.5)


def test_one_crooked_row_does_not_tip_the_rest():
    boxes = row_of_boxes(5.0) + row_of_boxes(5.0, y0=420) + row_of_boxes(-10.0, y0=560, n=4)
    assert row_angle(boxes) == pytest.approx(5.0, abs=0.5)


def test_a_tall_box_beside_a_row_does_not_tip_it():
    # The edge of a sheet read as a 1 many digits tall.
    boxes = row_of_boxes(3.0) + [(40 + 38 * 6, 0, 30, 700)]
    assert row_angle(boxes) == pytest.approx(3.0, abs=0.5)


def test_rows_of_two_tell_no_angle():
    assert row_angle(row_of_boxes(10.0, n=2) + row_of_boxes(10.0, n=2, y0=420)) == 0.0
    assert row_angle([]) == 0.0
