"""Tests of cutting digits out: holes in masks, noise clinging to strokes,
small digits and turned ones."""

import cv2
import numpy as np
import pytest

from preprocessing.extract import shed_speckle, smooth_small, turn_ink
from preprocessing.shape import count_holes, principal_axis


def ring(size=120, thickness=16):
    mask = np.zeros((size, size), np.uint8)
    cv2.ellipse(mask, (size // 2, size // 2), (size // 3, size // 2 - 12), 0, 0, 360, 1,
                thickness)
    return mask


def with_clinging_speckle(mask, ink, rng, level=0.15, share=0.5):
    """Noise pixels of weak ink stuck to the strokes, as a noisy blurred
    photo's mask keeps them: a band around the strokes, riddled with holes."""
    band = cv2.dilate(mask, np.ones((15, 15), np.uint8)) & ~mask.astype(bool)
    specks = band.astype(bool) & (rng.random(mask.shape) < share)
    noisy_mask = mask | specks.view(np.uint8)
    noisy_ink = np.where(specks, level + 0.05 * rng.standard_normal(mask.shape), ink)
    return noisy_mask, noisy_ink.astype(np.float32)


def test_holes_are_counted_like_loops():
    eight = np.zeros((100, 60), np.uint8)
    cv2.circle(eight, (30, 28), 20, 1, 6)
    cv2.circle(eight, (30, 72), 20, 1, 6)
    solid = np.ones((30, 30), np.uint8)
    assert count_holes(ring()) == 1
    assert count_holes(eight) == 2
    assert count_holes(solid) == 0


def test_noise_clinging_to_strokes_is_shed():
    rng = np.random.default_rng(3)
    clean = ring()
    noisy_mask, noisy_ink = with_clinging_speckle(clean, clean * np.float32(0.7), rng)
    assert count_holes(noisy_mask) > 10
    shed = shed_speckle(noisy_mask, noisy_ink)
    assert count_holes(shed) == 1
    assert np.count_nonzero(shed != clean) <= 0.01 * np.count_nonzero(clean)


def test_a_faint_stretch_of_stroke_is_not_cut_away():
    # A U whose base is written lightly: splitting the ink would break the
    # digit in two, so the mask stays as it is.
    rng = np.random.default_rng(4)
    clean = np.zeros((120, 100), np.uint8)
    clean[10:110, 15:30] = 1
    clean[10:110, 70:85] = 1
    clean[95:110, 15:85] = 1
    ink = np.where(clean > 0, 0.7, 0.0).astype(np.float32)
    ink[95:110, 30:70] = 0.3
    noisy_mask, noisy_ink = with_clinging_speckle(clean, ink, rng)
    assert np.array_equal(shed_speckle(noisy_mask, noisy_ink), noisy_mask)


def test_a_clean_mask_is_left_as_it_is():
    mask = ring()
    ink = np.where(mask > 0, 0.7, 0.0).astype(np.float32)
    ink[mask > 0] -= np.float32(0.4) * (np.arange(mask.size).reshape(mask.shape)[mask > 0] % 2)
    assert np.array_equal(shed_speckle(mask, ink), mask)


def small_seven():
    mask = np.zeros((16, 12), np.uint8)
    cv2.line(mask, (1, 2), (10, 2), 1, 2)
    cv2.line(mask, (10, 2), (4, 14), 1, 2)
    return mask


def test_a_small_digit_is_redrawn_finer_from_its_ink():
    mask = small_seven()
    ink = cv2.GaussianBlur(mask.astype(np.float32) * 0.6, (0, 0), 0.7)
    smooth = smooth_small(mask, ink, noise=0.01)
    assert smooth.shape == (48, 36)
    # Same shape, finer: it covers the mask enlarged, give or take its edge.
    enlarged = cv2.resize(mask, (36, 48), interpolation=cv2.INTER_NEAREST)
    assert np.count_nonzero(smooth & enlarged) >= 0.8 * np.count_nonzero(enlarged)


def test_a_small_digit_in_heavy_noise_keeps_its_mask():
    mask = small_seven()
    ink = (mask * 0.3 + 0.1 * np.random.default_rng(5).standard_normal(mask.shape)).astype(np.float32)
    assert smooth_small(mask, ink, noise=0.1) is mask


def test_turning_by_nothing_gives_the_ink_itself():
    ink = small_seven().astype(np.float32)
    assert turn_ink(ink, 0.0) is ink


def test_ink_is_turned_counter_clockwise_and_kept_whole():
    # An upright bar reaching the corners of its image would lose its ends
    # if turned in a frame of its own size.
    ink = np.zeros((80, 12), np.float32)
    ink[:, 4:8] = 255.0
    turned = turn_ink(ink, 30.0)
    mask = (turned >= 128).view(np.uint8)
    angle, _, _ = principal_axis(mask)
    # Counter-clockwise on screen: the top of the bar leans left, so the
    # bar runs down to the right, 60 degrees below the x axis (y down).
    assert np.degrees(angle) == pytest.approx(60.0, abs=2.0)
    assert turned.sum() == pytest.approx(ink.sum(), rel=0.02)
    ys, xs = np.nonzero(mask)
    assert np.hypot(np.ptp(xs), np.ptp(ys)) >= 76
