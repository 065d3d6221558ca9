"""The live pipeline on a noisy video: how its frames are read."""

import cv2
import numpy as np
import pytest

from bench.bench_sheets import match_digits
from live.loop import FULL_SCAN, LIVE_MAX_SIDE, DigitPipeline, run
from live.sources import VideoFileSource
from preprocessing.reader import DigitReader
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.paper import sample_paper
from samples.sheets import generate, make_sheet, photograph
from train import load_model

# A webcam shot whose digits, at full size, fall below the noise test, and
# stand out at a coarser scale (see tests/test_reader.py).
NOISY_SEED = [5600, 66]


class ScaleRecordingReader(DigitReader):
    """A reader that notes, for each frame, the scale asked for, the scale
    the digits were found at, and whether printed lines were looked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scales = []
        self.line_searches = []

    def read(self, image, light_ink=None, scale=None, find_lines=True):
        reading = super().read(image, light_ink=light_ink, scale=scale, find_lines=find_lines)
        self.scales.append((scale, reading.scale))
        self.line_searches.append(find_lines)
        return reading


def write_video(path, frame, n_frames):
    h, w = frame.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (w, h))
    for _ in range(n_frames):
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def noisy_video(mnist_dir, tmp_path_factory):
    images, labels = load_mnist_digits(mnist_dir)
    photo = generate(np.random.default_rng(NOISY_SEED), GlyphSource(images, labels, fonts=True),
                     "webcam")
    path = tmp_path_factory.mktemp("noisy") / "noisy.avi"
    write_video(path, photo.image, FULL_SCAN // 2)
    return path, photo.digits


def test_frames_after_a_coarser_reading_are_read_coarser_at_once(noisy_video,
                                                                  trained_model_path):
    path, truth = noisy_video
    reader = ScaleRecordingReader(load_model(trained_model_path), max_side=LIVE_MAX_SIDE,
                                  upright_only=True)
    shown = []
    with VideoFileSource(path) as source:
        run(source, DigitPipeline(reader), on_frame=lambda result: shown.append(result.digits))
    (first_asked, first_read), *later = reader.scales
    assert first_read < first_asked
    # Until the next full scan, each frame is asked for the coarser scale
    # and read once there, not first at full detail.
    assert later and all(asked == pytest.approx(read) and read < first_asked
                         for asked, read in later), reader.scales
    assert match_digits(truth, shown[-1]) >= 0.8 * len(truth)


@pytest.mark.parametrize("rule", ["plain", "ruled"])
def test_printed_lines_are_looked_for_between_full_scans_only_on_lined_paper(
        rule, mnist_dir, trained_model_path, tmp_path):
    # On plain paper the search finds nothing and costs a fifth of a frame;
    # the frames between full scans skip it, unless the last scan found lines.
    images, labels = load_mnist_digits(mnist_dir)
    rng = np.random.default_rng(0)
    sheet = make_sheet(rng, GlyphSource(images, labels), n_digits=8, digit_height=50.0,
                       paper=sample_paper(rng, "white", rule, 50.0))
    photo = photograph(sheet, rng, size=(1280, 720), condition="clean")
    path = tmp_path / f"{rule}.avi"
    write_video(path, photo.image, FULL_SCAN + 2)
    reader = ScaleRecordingReader(load_model(trained_model_path), max_side=LIVE_MAX_SIDE,
                                  upright_only=True)
    shown = []
    with VideoFileSource(path) as source:
        run(source, DigitPipeline(reader), on_frame=lambda result: shown.append(result.digits))
    searches = reader.line_searches
    assert searches[0] and searches[FULL_SCAN], searches
    assert set(searches[1:FULL_SCAN]) == {rule == "ruled"}, searches
    assert all(match_digits(photo.digits, digits) >= 0.8 * len(photo.digits) for digits in shown)
