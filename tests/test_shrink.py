"""Fast shrinking stays close to OpenCV's area averaging."""

import cv2
import numpy as np
import pytest

from preprocessing.shrink import shrink


def photo_like(h, w, seed=0):
    """Smooth shading, sharp strokes and pixel noise, uint8 BGR."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    image = 200 - 40 * (xx / w) - 20 * (yy / h)
    image = np.repeat(image[:, :, None], 3, axis=2)
    for _ in range(30):
        x, y = int(rng.integers(w)), int(rng.integers(h))
        cv2.line(image, (x, y), (x + int(rng.integers(-60, 60)), y + int(rng.integers(-60, 60))),
                 (60, 50, 40), int(rng.integers(2, 6)))
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("shape, size", [
    ((720, 1280), (512, 288)),   # 0.4: two, then linear
    ((721, 1283), (320, 180)),   # sides the factor does not divide
    ((480, 640), (160, 120)),    # exactly four
    ((480, 640), (400, 300)),    # less than halving: plain area averaging
])
def test_shrink_matches_area_averaging(shape, size):
    image = photo_like(*shape)
    fast = shrink(image, size)
    area = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    assert fast.shape == area.shape and fast.dtype == np.uint8
    difference = np.abs(fast.astype(np.float32) - area)
    assert difference.mean() < 2.5


def test_shrink_averages_noise_away_like_area_averaging():
    rng = np.random.default_rng(1)
    paper = np.clip(rng.normal(180, 12, (720, 1280)), 0, 255).astype(np.uint8)
    fast = shrink(paper, (512, 288)).astype(np.float32)
    area = cv2.resize(paper, (512, 288), interpolation=cv2.INTER_AREA).astype(np.float32)
    # Sampling would keep the noise at 12; averaging 2.5 x 2.5 pixels cuts it
    # to about 5.
    assert fast.std() < 1.3 * area.std()
    assert fast.std() < 0.6 * paper.std()


def test_shrink_keeps_a_grey_float_image_grey_float():
    image = photo_like(300, 400)[:, :, 0].astype(np.float32) / 255
    out = shrink(image, (130, 97))
    assert out.shape == (97, 130) and out.dtype == np.float32
