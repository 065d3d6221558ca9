"""The digit tracker on synthetic box sequences: ids, votes, ghosts, timeouts."""

from dataclasses import dataclass

import pytest

from live.tracker import DigitTracker

FPS = 30.0


@dataclass
class Box:
    """A detection as the reader gives it."""

    x: int
    y: int
    w: int
    h: int
    label: int
    confidence: float = 0.9
    image: object = None


def feed(tracker, frames):
    """Run per-frame detection lists through a tracker at 30 frames/s; return what is shown."""
    return [tracker.update(detections, i / FPS) for i, detections in enumerate(frames)]


def test_a_digit_read_unsurely_shows_from_its_second_frame():
    shown = feed(DigitTracker(), [[Box(100, 100, 20, 30, 7)]] * 3)
    assert shown[0] == []
    assert [d.label for d in shown[1]] == [7]
    assert shown[1][0].track == shown[2][0].track


def test_a_one_frame_ghost_never_shows():
    digit = Box(100, 100, 20, 30, 3)
    frames = [[digit], [digit, Box(300, 200, 20, 30, 1)], [digit], [digit]]
    shown = feed(DigitTracker(), frames)
    assert all(len(s) <= 1 and all(d.label == 3 for d in s) for s in shown)


def test_a_sure_digit_shows_in_its_first_frame():
    shown = feed(DigitTracker(sure_confidence=0.95), [[Box(100, 100, 20, 30, 7, 0.98)]] * 3)
    assert [d.label for d in shown[0]] == [7]
    assert shown[0][0].track == shown[1][0].track == shown[2][0].track


def test_a_sure_digit_read_otherwise_next_is_hidden_until_settled():
    frames = [[Box(50, 60, 18, 28, 3, 0.98)]] + [[Box(50, 60, 18, 28, 8, 0.9)]] * 6
    shown = feed(DigitTracker(sure_confidence=0.95), frames)
    assert [d.label for d in shown[0]] == [3]
    assert shown[1] == []  # neither 3 against the new reading nor a flip to 8
    assert [d.label for d in shown[-1]] == [8]
    visible = [s[0].label for s in shown if s]
    assert visible[1:] == [8] * (len(visible) - 1)


def test_a_sure_one_frame_ghost_shows_no_longer():
    digit = Box(100, 100, 20, 30, 3)
    frames = [[digit], [digit, Box(300, 200, 20, 30, 1, 0.99)], [digit], [digit]]
    shown = feed(DigitTracker(sure_confidence=0.95), frames)
    assert sorted(d.label for d in shown[1]) == [1, 3]
    assert all([d.label for d in s] == [3] for s in shown[2:])


def test_a_new_digit_shows_up_with_a_settled_label():
    labels = [3, 8, 8, 8, 8, 8, 8]
    shown = feed(DigitTracker(), [[Box(50, 60, 18, 28, label)] for label in labels])
    assert shown[1] == []  # 3 then 8: no clear label yet
    assert [s[0].label for s in shown if s] == [8] * 5


def test_the_label_is_a_vote_over_recent_frames():
    labels = [7, 7, 7, 1, 7, 7, 1, 7, 1, 7, 7, 7]
    shown = feed(DigitTracker(), [[Box(50, 60, 18, 28, label)] for label in labels])
    assert [s[0].label for s in shown[1:]] == [7] * (len(labels) - 1)
    assert len({s[0].track for s in shown[1:]}) == 1


def test_votes_are_weighted_by_confidence():
    frames = [[Box(50, 60, 18, 28, 4, 0.95 if i % 2 else 0.3)] if i % 2
              else [Box(50, 60, 18, 28, 9, 0.3)] for i in range(10)]
    shown = feed(DigitTracker(), frames)
    assert shown[-1][0].label == 4


def test_a_lasting_change_of_label_comes_through():
    labels = [3] * 10 + [8] * 10
    shown = feed(DigitTracker(), [[Box(50, 60, 18, 28, label)] for label in labels])
    assert shown[-1][0].label == 8
    changes = sum(a[0].label != b[0].label for a, b in zip(shown[1:], shown[2:]))
    assert changes == 1


def test_a_digit_that_leaves_is_dropped_after_the_timeout():
    tracker = DigitTracker(max_missed_time=0.5)
    digit = Box(100, 100, 20, 30, 5)
    feed(tracker, [[digit]] * 10)
    shown = [tracker.update([], (10 + i) / FPS) for i in range(20)]
    assert shown[0] and shown[0][0].missed == 1  # a steady digit does not blink at once
    assert all(s == [] for s in shown[3:])
    assert tracker.tracks == []  # forgotten after 0.5 s (15 frames)


def test_a_digit_back_before_the_timeout_keeps_its_track():
    tracker = DigitTracker(max_missed_time=0.5)
    digit = Box(100, 100, 20, 30, 5)
    before = feed(tracker, [[digit]] * 10)[-1][0].track
    for i in range(8):
        tracker.update([], (10 + i) / FPS)
    after = tracker.update([digit], 18 / FPS)
    assert [d.track for d in after] == [before]


def test_a_fast_digit_is_followed_by_its_motion():
    # 15 px per frame is half the digit's height: too far without prediction.
    frames = [[Box(20 + 15 * i, 100, 20, 30, 2)] for i in range(20)]
    shown = feed(DigitTracker(), frames)
    assert len({d.track for s in shown for d in s}) == 1
    assert all(len(s) == 1 for s in shown[1:])


def test_neighbours_keep_their_ids_while_moving_together():
    frames = [[Box(100 + 4 * i, 100, 20, 30, 1), Box(126 + 4 * i, 101, 20, 30, 7)]
              for i in range(30)]
    shown = feed(DigitTracker(), frames)
    ids = {d.label: set() for d in shown[-1]}
    for s in shown[1:]:
        for d in s:
            ids[d.label].add(d.track)
    assert all(len(tracks) == 1 for tracks in ids.values())
    assert ids[1] != ids[7]


@pytest.mark.parametrize("missing_every", [3, 4])
def test_a_digit_missed_now_and_then_does_not_blink(missing_every):
    digit = Box(100, 100, 20, 30, 6)
    frames = [[] if i % missing_every == 0 and i > 8 else [digit] for i in range(40)]
    shown = feed(DigitTracker(), frames)
    assert all(len(s) == 1 for s in shown[1:])


def test_a_digit_found_in_three_frames_of_five_stays_on_screen():
    # Small digits in a noisy frame are found in little more than half of
    # the frames; once followed for a while, they must not blink.
    digit = Box(100, 100, 12, 20, 4)
    pattern = [True, True, False, True, False]
    frames = [[digit] if pattern[i % 5] else [] for i in range(40)]
    shown = feed(DigitTracker(), frames)
    assert all(len(s) == 1 for s in shown[12:])
    assert len({s[0].track for s in shown[12:]}) == 1
