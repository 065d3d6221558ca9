"""The live pipeline on a noisy video: how its frames are read."""

from dataclasses import replace

import cv2
import numpy as np
import pytest

from bench.bench_sheets import match_digits
from live.loop import (FULL_SCAN, LIVE_COARSER_SCALE, LIVE_MAX_SIDE, POLARITY_CHECK,
                       DigitPipeline, run)
from live.sources import VideoFileSource
from preprocessing.reader import DigitReader
from samples.clips import default_glyphs, f1_score, match_frame, write_clip
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.paper import sample_paper
from samples.sheets import generate, make_sheet, photograph
from train import load_model

# A dim, noisy shot whose digits, at full size, fall below the noise test,
# and stand out at a coarser scale, where they stay apart.
NOISY_SEED, NOISY_CONDITION = [5600, 244], "hard"


class ScaleRecordingReader(DigitReader):
    """A reader that notes, for each frame, the scale asked for, the scale
    the digits were found at, and whether printed lines were looked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scales = []
        self.line_searches = []
        self.polarities = []

    def read(self, image, light_ink=None, scale=None, find_lines=True):
        reading = super().read(image, light_ink=light_ink, scale=scale, find_lines=find_lines)
        self.scales.append((scale, reading.scale))
        self.line_searches.append(find_lines)
        self.polarities.append((light_ink, reading.light_ink))
        return reading


def write_frames(path, frames):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()


def write_video(path, frame, n_frames):
    write_frames(path, [frame] * n_frames)


def read_video(path, trained_model_path):
    """Run a video through the live pipeline with a recording reader;
    return the reader and the digits shown on each frame."""
    reader = ScaleRecordingReader(load_model(trained_model_path), max_side=LIVE_MAX_SIDE,
                                  upright_only=True, coarser_scale=LIVE_COARSER_SCALE)
    shown = []
    with VideoFileSource(path) as source:
        run(source, DigitPipeline(reader), on_frame=lambda result: shown.append(result.digits))
    return reader, shown


def photo_of_sheet(mnist_dir, rule, size):
    """A clean photo of eight dark digits on white paper ruled ``rule``, the
    rules printed dark enough to show at the live loop's working scale."""
    images, labels = load_mnist_digits(mnist_dir)
    rng = np.random.default_rng(0)
    paper = replace(sample_paper(rng, "white", rule, 50.0), rule_strength=0.85, rule_width=2.5)
    sheet = make_sheet(rng, GlyphSource(images, labels), n_digits=8, digit_height=50.0,
                       paper=paper)
    return photograph(sheet, rng, size=size, condition="clean")


@pytest.fixture(scope="module")
def noisy_video(mnist_dir, tmp_path_factory):
    images, labels = load_mnist_digits(mnist_dir)
    photo = generate(np.random.default_rng(NOISY_SEED), GlyphSource(images, labels, fonts=True),
                     NOISY_CONDITION)
    path = tmp_path_factory.mktemp("noisy") / "noisy.avi"
    write_video(path, photo.image, FULL_SCAN // 2)
    return path, photo.digits


def test_frames_after_a_coarser_reading_are_read_coarser_at_once(noisy_video,
                                                                  trained_model_path):
    path, truth = noisy_video
    reader, shown = read_video(path, trained_model_path)
    (first_asked, first_read), *later = reader.scales
    assert first_read < first_asked
    # Until the next full scan, each frame is asked for the coarser scale
    # and read once there, not first at full detail.
    assert later and all(asked == pytest.approx(read) and read < first_asked
                         for asked, read in later), reader.scales
    assert match_digits(truth, shown[-1]) >= 0.8 * len(truth)


def test_a_dim_frame_read_unsurely_at_full_size_keeps_its_likelier_polarity(
        mnist_dir, trained_model_path, tmp_path):
    # A card on a dark desk: at full size the pencil reads as three unsure
    # digits in the grain, and the other polarity as none at all. The empty
    # reading won on fewer unsure digits, and the frame was never read
    # coarser, where the six digits stand out.
    images, labels = load_mnist_digits(mnist_dir)
    photo = generate(np.random.default_rng([5600, 37]), GlyphSource(images, labels, fonts=True),
                     "hard")
    path = tmp_path / "dim.avi"
    write_video(path, photo.image, 1)
    ok, frame = cv2.VideoCapture(str(path)).read()
    assert ok
    reader = DigitReader(load_model(trained_model_path), max_side=LIVE_MAX_SIDE,
                         upright_only=True, coarser_scale=LIVE_COARSER_SCALE)
    reading = reader.read(frame)
    assert not reading.light_ink
    assert match_digits(photo.digits, reading.digits) >= 5, (photo.text, reading.text)


def test_small_digits_in_a_noisy_video_stay_apart_at_the_coarser_scale(mnist_dir,
                                                                         trained_model_path,
                                                                         tmp_path):
    # Digits about 20 px tall in noisy 1280x720 frames: once a frame reads
    # better coarser, the frames after it are read coarser too, where close
    # neighbours must not run together.
    path = str(tmp_path / "small.avi")
    clip = write_clip(path, default_glyphs(str(mnist_dir)), seed=5904, kind="webcam",
                      size=(1280, 720), n_frames=90, digit_px=20, n_digits=12)
    reader, shown = read_video(path, trained_model_path)
    assert any(read < asked for asked, read in reader.scales)
    found = [[{"x": d.x, "y": d.y, "w": d.w, "h": d.h, "label": d.label} for d in digits]
             for digits in shown]
    counts = [match_frame(f, t) for f, t in zip(found, clip.truth)]
    assert f1_score(*map(sum, zip(*counts))) >= 0.8


@pytest.mark.parametrize("rule", ["plain", "ruled"])
def test_printed_lines_are_looked_for_between_full_scans_only_on_lined_paper(
        rule, mnist_dir, trained_model_path, tmp_path):
    # On plain paper the search finds nothing and costs a fifth of a frame;
    # the frames between full scans skip it, unless the last scan found
    # lines beside the digits.
    photo = photo_of_sheet(mnist_dir, rule, (1280, 720))
    path = tmp_path / f"{rule}.avi"
    write_video(path, photo.image, FULL_SCAN + 2)
    reader, shown = read_video(path, trained_model_path)
    searches = reader.line_searches
    assert searches[0] and searches[FULL_SCAN], searches
    assert set(searches[1:FULL_SCAN]) == {rule == "ruled"}, searches
    assert all(match_digits(photo.digits, digits) >= 0.8 * len(photo.digits) for digits in shown)


@pytest.fixture(scope="module")
def sheet_photo(mnist_dir):
    """A photo of dark digits on a plain white sheet, 640x480."""
    return photo_of_sheet(mnist_dir, "plain", (640, 480))


def test_the_ink_polarity_is_not_guessed_again_while_frames_read_surely(
        sheet_photo, trained_model_path, tmp_path):
    # Guessing reads a frame in both polarities; a sheet read surely in one
    # is plainly not light strokes on a dark ground.
    path = tmp_path / "sheet.avi"
    write_video(path, sheet_photo.image, 2 * POLARITY_CHECK + 1)
    reader, shown = read_video(path, trained_model_path)
    guessed = [i for i, (asked, _) in enumerate(reader.polarities) if asked is None]
    assert guessed == [0], guessed
    assert all(match_digits(sheet_photo.digits, digits) >= 0.8 * len(sheet_photo.digits)
               for digits in shown[1:])


def test_a_board_that_replaces_the_sheet_is_read_in_its_polarity(
        sheet_photo, trained_model_path, tmp_path):
    # The same digits light on dark: read as dark ink, they give little, and
    # the polarity is guessed again within POLARITY_CHECK frames.
    board = 255 - sheet_photo.image
    switch = POLARITY_CHECK // 2
    path = tmp_path / "switch.avi"
    write_frames(path, [sheet_photo.image] * switch + [board] * (2 * POLARITY_CHECK))
    reader, shown = read_video(path, trained_model_path)
    read_light = [i for i, (_, light) in enumerate(reader.polarities) if light]
    assert read_light and switch < read_light[0] <= switch + POLARITY_CHECK, reader.polarities
    assert all(light for _, light in reader.polarities[read_light[0]:]), reader.polarities
    assert match_digits(sheet_photo.digits, shown[-1]) >= 0.8 * len(sheet_photo.digits)


def test_a_digit_hidden_for_a_moment_keeps_its_box_and_label(sheet_photo, trained_model_path,
                                                              tmp_path):
    # The sheet drifts right; a finger covers one digit for four frames
    # (0.4 s at 10 frames/s). The digits still seen carry it along: it stays
    # on screen, where it is under the finger, with its label and its track.
    step, covered, hidden = 3, 4, range(10, 14)
    digit = sheet_photo.digits[covered]
    frames, places = [], []
    for i in range(24):
        frame = cv2.warpAffine(sheet_photo.image, np.float32([[1, 0, step * i], [0, 1, 0]]),
                               sheet_photo.image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
        place = dict(digit, x=digit["x"] + step * i)
        if i in hidden:  # a finger from the bottom edge up over the digit
            cv2.rectangle(frame, (place["x"] - 8, place["y"] - 8),
                          (place["x"] + place["w"] + 8, frame.shape[0]), (120, 150, 200), -1)
        frames.append(frame)
        places.append(place)
    path = tmp_path / "finger.avi"
    write_frames(path, frames)
    _, shown = read_video(path, trained_model_path)
    followed = [[d for d in shown[i] if match_digits([places[i]], [d]) == 1] for i in range(24)]
    assert all(len(followed[i]) == 1 for i in range(5, 24)), [len(f) for f in followed]
    assert all(followed[i][0].missed > 0 for i in hidden)
    assert len({followed[i][0].track for i in range(5, 24)}) == 1


def test_a_row_of_faint_pencil_digits_is_read_where_none_stands_out_alone(mnist_dir,
                                                                          trained_model_path,
                                                                          tmp_path):
    # A pencil clip that zooms out into dim light: for a second, every
    # stroke falls just short of the noise floor and no digit reads surely
    # on its own, though the row of eight is plain to the eye.
    dim = 17, 53
    path = str(tmp_path / "pencil.avi")
    clip = write_clip(path, default_glyphs(str(mnist_dir)), seed=207, kind="pencil",
                      size=(640, 480), n_frames=90, digit_px=40, n_digits=8)
    _, shown = read_video(path, trained_model_path)
    found = [[{"x": d.x, "y": d.y, "w": d.w, "h": d.h, "label": d.label} for d in digits]
             for digits in shown]
    hits, false_finds, _ = zip(*[match_frame(f, t) for f, t in zip(found, clip.truth)])
    assert min(hits[:dim[0]]) >= 6 and min(hits[dim[1]:]) >= 6, hits
    # Of the 8 x 36 digits in the dim frames, 60 were read before.
    assert sum(hits[dim[0]:dim[1]]) >= 76, hits
    assert sum(false_finds) <= 20, false_finds
