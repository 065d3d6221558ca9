"""Light printed lines: found as families of parallel lines, taken out of the paper."""

import numpy as np
import pytest

from preprocessing.light_lines import MIN_LINES, count_light_lines, remove_light_lines

# A small copy of a photo, as the ink map estimates the paper on.
SIZE = (120, 160)
KRAFT = 140.0


def paper(level=KRAFT, noise=3.0, seed=0):
    rng = np.random.default_rng(seed)
    return (level + rng.normal(0.0, noise, SIZE)).astype(np.float32)


def with_grid(grey, level, pitch=9, width=1):
    out = grey.copy()
    for start in range(4, SIZE[0], pitch):
        out[start:start + width, :] = level
    for start in range(4, SIZE[1], pitch):
        out[:, start:start + width] = level
    return out


def estimate(grey):
    """The paper's level as if known: the level the sheet was drawn with."""
    return np.full(grey.shape, KRAFT, np.float32)


def test_a_grid_lighter_than_the_paper_is_found():
    grey = with_grid(paper(), 200.0)
    assert count_light_lines(grey, estimate(grey)) >= MIN_LINES


@pytest.mark.parametrize("name, grey", [
    ("plain", paper()),
    ("noisy", paper(noise=12.0)),
    ("dark grid", with_grid(paper(), 90.0)),
    ("strokes", np.where(np.arange(SIZE[1])[None, :] % 23 < 2, 60.0, paper()).astype(np.float32)),
])
def test_no_light_lines_where_there_are_none(name, grey):
    assert count_light_lines(grey, estimate(grey)) < MIN_LINES, name


def test_a_sheet_on_a_dark_desk_has_no_light_lines():
    grey = paper(level=25.0, noise=3.0)
    grey[20:100, 30:130] = paper(noise=3.0, seed=1)[20:100, 30:130]
    level = np.where(grey > 80, KRAFT, 25.0).astype(np.float32)
    assert count_light_lines(grey, level) < MIN_LINES


def test_removing_light_lines_keeps_the_paper_and_the_strokes():
    grey = with_grid(paper(noise=0.0), 200.0)
    grey[50:60, 70:100] = 60.0
    removed = remove_light_lines(grey)
    assert np.all(removed <= KRAFT + 1e-3)
    assert np.all(removed[50:60, 70:100] == 60.0)
    assert np.median(removed) == pytest.approx(KRAFT)
