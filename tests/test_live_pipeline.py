"""The live pipeline on a noisy video: how its frames are read."""

import cv2
import numpy as np
import pytest

from bench.bench_sheets import match_digits
from live.loop import FULL_SCAN, LIVE_MAX_SIDE, DigitPipeline, run
from live.sources import VideoFileSource
from preprocessing.reader import DigitReader
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.sheets import generate
from train import load_model

# A webcam shot whose digits, at full size, fall below the noise test, and
# stand out at a coarser scale (see tests/test_reader.py).
NOISY_SEED = [5600, 66]


class ScaleRecordingReader(DigitReader):
    """A reader that notes, for each frame, the scale asked for and the
    scale the digits were found at."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scales = []

    def read(self, image, light_ink=None, scale=None):
        reading = super().read(image, light_ink=light_ink, scale=scale)
        self.scales.append((scale, reading.scale))
        return reading


@pytest.fixture(scope="module")
def noisy_video(mnist_dir, tmp_path_factory):
    images, labels = load_mnist_digits(mnist_dir)
    photo = generate(np.random.default_rng(NOISY_SEED), GlyphSource(images, labels, fonts=True),
                     "webcam")
    frame = photo.image
    path = tmp_path_factory.mktemp("noisy") / "noisy.avi"
    h, w = frame.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (w, h))
    for _ in range(FULL_SCAN // 2):
        writer.write(frame)
    writer.release()
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
