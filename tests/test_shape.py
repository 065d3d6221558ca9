"""Contrast and noise cues of digit candidates, on real arrays."""

import cv2
import numpy as np
import pytest

from preprocessing.binarize import local_roughness
from preprocessing.pieces import find_pieces
from preprocessing.shape import (line_continuation, looks_like_digit, principal_axis,
                                 ring_contrast, signal_to_noise, stroke_signal_to_noise)


def ring_piece(shape=(200, 200), thickness=6):
    """A 0 drawn as an ellipse outline, and its piece."""
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, (100, 100), (35, 60), 0, 0, 360, 1, thickness)
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 1
    return mask, labels, pieces[0]


def test_a_wide_faint_stroke_stands_out_at_its_own_scale():
    rng = np.random.default_rng(0)
    mask, labels, piece = ring_piece()
    ink = rng.normal(0.0, 0.03, mask.shape).astype(np.float32) + 0.18 * mask
    roughness = local_roughness(ink)
    assert signal_to_noise(piece, labels, ink, roughness) < 10
    assert stroke_signal_to_noise(piece, labels, ink) > 2 * signal_to_noise(piece, labels, ink,
                                                                            roughness)


def test_texture_does_not_stand_out_more_when_blurred():
    rng = np.random.default_rng(1)
    # Grain: noise correlated over several pixels, as wood or fabric.
    grain = cv2.GaussianBlur(rng.normal(0.0, 1.0, (200, 200)).astype(np.float32), (0, 0), 3.0)
    grain *= 0.03 / grain.std()
    streaks = (grain > 2.0 * 0.03).astype(np.uint8)
    labels, pieces = find_pieces(streaks)
    assert pieces
    roughness = local_roughness(grain)
    for piece in pieces:
        pixel = signal_to_noise(piece, labels, grain, roughness)
        assert stroke_signal_to_noise(piece, labels, grain) < max(1.5 * pixel, 12), piece


def test_a_small_step_on_a_dark_ground_counts_only_when_asked():
    # Ink 6 grey levels under paper at 60: the grain of a blackboard is
    # about as dark, but in a deep shadow it is a stroke.
    mask, labels, piece = ring_piece()
    grey = np.where(mask > 0, 54.0, 60.0).astype(np.float32)
    assert ring_contrast(piece, labels, grey) == 0.0
    assert ring_contrast(piece, labels, grey, dark_step=False) == pytest.approx(0.1)
    # On light paper the step counts either way.
    grey += 100.0
    assert ring_contrast(piece, labels, grey) == pytest.approx(6 / 160)


def only_piece(mask):
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 1
    return pieces[0], labels


def test_a_digit_in_thick_marker_is_not_taken_for_a_blob():
    # Full of ink and with no loop, but deeply notched, unlike a dot.
    mask = np.zeros((100, 90), np.uint8)
    cv2.putText(mask, "3", (12, 80), cv2.FONT_HERSHEY_SIMPLEX, 2.4, 1, 4)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    piece, labels = only_piece(mask)
    assert piece.area > 0.6 * piece.w * piece.h
    assert looks_like_digit(piece, labels)


def test_dots_and_smudges_are_not_digits():
    dot = np.zeros((60, 60), np.uint8)
    cv2.circle(dot, (30, 30), 20, 1, -1)
    smudge = np.zeros((60, 90), np.uint8)
    cv2.ellipse(smudge, (45, 30), (35, 18), 10, 0, 360, 1, -1)
    for mask in (dot, smudge):
        assert not looks_like_digit(*only_piece(mask))


@pytest.mark.parametrize("degrees", [0, 30, 90, 150])
def test_a_straight_stroke_lies_along_its_principal_axis(degrees):
    mask = np.zeros((300, 300), np.uint8)
    turn = np.deg2rad(degrees)
    dx, dy = 120 * np.cos(turn), 120 * np.sin(turn)
    cv2.line(mask, (round(150 - dx), round(150 - dy)), (round(150 + dx), round(150 + dy)), 1, 5)
    angle, along, across = principal_axis(mask)
    assert abs((angle - turn + np.pi / 2) % np.pi - np.pi / 2) < np.deg2rad(1)
    assert 240 <= along <= 250
    assert across <= 4


def test_a_digit_on_a_line_strays_far_from_its_axis():
    mask = np.zeros((120, 300), np.uint8)
    cv2.line(mask, (10, 100), (290, 100), 1, 3)
    cv2.putText(mask, "7", (140, 100), cv2.FONT_HERSHEY_SIMPLEX, 2, 1, 3)
    _, _, across = principal_axis(mask)
    assert across > 30


@pytest.mark.parametrize("degrees", [0, 8])
def test_a_stretch_of_a_long_line_goes_on_past_its_ends_and_a_1_does_not(degrees):
    rng = np.random.default_rng(2)
    noise = rng.normal(0.0, 0.02, (300, 200)).astype(np.float32)
    tilt = np.tan(np.deg2rad(degrees))
    # A faint line down the page, and a 1 beside it as faint, both 40 px
    # long where they are taken as pieces.
    line = np.zeros((300, 200), np.float32)
    cv2.line(line, (60, 0), (60 + int(300 * tilt), 299), 0.1, 2)
    one = np.zeros((300, 200), np.float32)
    cv2.line(one, (140, 130), (140 + int(40 * tilt), 170), 0.1, 2)
    ink = noise + line + one
    stretch = np.zeros((300, 200), np.uint8)
    stretch[130:171] = line[130:171] > 0
    for mask, goes_on in ((stretch, True), ((one > 0).view(np.uint8), False)):
        labels, pieces = find_pieces(mask)
        assert len(pieces) == 1
        continuation = line_continuation(pieces[0], labels, ink)
        assert (continuation >= 0.5) == goes_on, continuation


def test_a_stroke_at_the_edge_of_the_image_is_not_taken_for_a_line():
    ink = np.zeros((100, 100), np.float32)
    ink[:40, 50:52] = 0.5
    labels, pieces = find_pieces((ink > 0).view(np.uint8))
    assert line_continuation(pieces[0], labels, ink) == 0.0
