"""Box arithmetic: overlap, coverage, IoU."""

import pytest

from preprocessing.boxes import box_coverage, box_intersection, box_iou


def test_coverage_is_the_share_of_the_second_box_under_the_first():
    whole, part = (0, 0, 20, 10), (15, 0, 10, 10)
    assert box_intersection(whole, part) == 50
    assert box_coverage(whole, part) == pytest.approx(0.5)
    assert box_coverage(part, whole) == pytest.approx(0.25)
    assert box_iou(whole, part) == pytest.approx(50 / 250)


def test_a_box_inside_another_is_wholly_covered_and_an_empty_one_not_at_all():
    assert box_coverage((0, 0, 20, 20), (5, 5, 4, 4)) == 1.0
    assert box_coverage((0, 0, 20, 20), (5, 5, 0, 4)) == 0.0
    assert box_coverage((0, 0, 20, 20), (30, 30, 5, 5)) == 0.0
