from pathlib import Path

import cv2
import numpy as np

from preprocessing.binarize import ink_mask
from preprocessing.components import components
from preprocessing.imageio import read_image
from preprocessing.ink import InkMap

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_components_label_and_measure_as_opencvs_default_does():
    # The ink mask of a webcam photo: digits and a couple of hundred specks.
    mask = ink_mask(InkMap(read_image(SAMPLES / "webcam-720p.jpg")).resized(1.0))
    count, labels, stats = components(mask)
    expected_count, expected_labels, expected_stats, _ = cv2.connectedComponentsWithStats(
        mask, connectivity=8)
    assert count == expected_count > 100
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_array_equal(stats, expected_stats)


def test_components_join_diagonal_neighbours():
    mask = np.zeros((6, 6), np.uint8)
    mask[1, 1] = mask[2, 2] = mask[4, 4] = 1
    count, labels, stats = components(mask)
    assert count == 3
    assert labels[1, 1] == labels[2, 2] != labels[4, 4]
    assert sorted(stats[1:, cv2.CC_STAT_AREA]) == [1, 2]
