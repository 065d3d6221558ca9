"""The digit tracker on synthetic box sequences: ids, votes, ghosts, timeouts."""

from dataclasses import dataclass

import numpy as np
import pytest

from live.tracker import DigitTracker
from preprocessing.boxes import box_iou

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


def sheet(frame, turn=0.0, zoom=0.0, shift=(3.0, 1.0), missing=()):
    """Five digits in a row on a sheet that moves, turns (radians per frame)
    and zooms (share per frame) about its centre; ``missing``: indices of
    digits the reader did not find in this frame."""
    angle, scale = turn * frame, 1.0 + zoom * frame
    cx, cy = 300.0 + shift[0] * frame, 200.0 + shift[1] * frame
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    boxes = []
    for i in range(5):
        dx, dy = (i - 2) * 40.0, 0.0
        x, y = cx + c * dx - s * dy, cy + s * dx + c * dy
        w, h = 20 * scale, 30 * scale
        if i not in missing:
            boxes.append(Box(round(x - w / 2), round(y - h / 2), round(w), round(h), i + 3))
    return boxes


@pytest.mark.parametrize("turn, zoom", [(0.0, 0.0), (0.01, 0.0), (0.0, 0.01)])
def test_a_digit_unseen_while_its_neighbours_are_seen_moves_with_the_sheet(turn, zoom):
    # Glare or a finger hides one digit for a third of a second: its place
    # is known from the others, so it stays on screen where it is.
    frames = [sheet(i, turn, zoom, missing=(1,) if 10 <= i < 20 else ()) for i in range(24)]
    shown = feed(DigitTracker(), frames)
    truth = sheet(19, turn, zoom)[1]
    hidden = [d for d in shown[19] if d.label == 4]
    assert [d.label for s in shown[10:20] for d in s].count(4) == 10
    assert box_iou(hidden[0].box, (truth.x, truth.y, truth.w, truth.h)) > 0.7
    assert len({d.track for s in shown[1:] for d in s if d.label == 4}) == 1


def test_digits_all_unseen_at_once_are_not_carried():
    # The sheet was taken away: nothing tells where it went.
    frames = [sheet(i) for i in range(10)] + [[] for _ in range(10)]
    shown = feed(DigitTracker(), frames)
    assert len(shown[10]) == 5
    assert all(s == [] for s in shown[13:])


def test_a_carried_digit_whose_place_leaves_the_frame_is_dropped():
    # The sheet slides right out of a 460-pixel-wide frame; its last digit
    # is no longer read as it nears the edge.
    tracker = DigitTracker()
    shown = []
    for i in range(20):
        boxes = [b for b in sheet(i, shift=(6.0, 0.0)) if b.label != 7 or i < 8]
        shown.append(tracker.update(boxes, i / FPS, frame_size=(460, 300)))
    assert any(d.label == 7 for d in shown[12])  # carried while its place is in view
    assert all(d.x + d.w <= 460 for s in shown for d in s)  # boxes cut to the frame
    assert all(t.box[0] + t.box[2] / 2 < 460 for t in tracker.tracks)


def test_a_part_of_a_digit_once_read_apart_hides_under_the_whole():
    # The digit at x = 200 is read as two narrow parts at first, then whole.
    parts = [Box(200, 100, 13, 30, 0), Box(214, 101, 8, 30, 1)]
    whole = [Box(200, 100, 22, 30, 9)]
    others = [Box(100, 100, 20, 30, 5), Box(140, 100, 20, 30, 6), Box(260, 100, 20, 30, 2)]
    frames = [others + parts] * 10 + [others + whole] * 10
    shown = feed(DigitTracker(), frames)
    assert all(len(s) == 4 for s in shown[11:])


def test_a_digit_is_not_carried_on_from_a_place_it_was_last_known_at_long_ago():
    # A frame in which nothing is read breaks the chain: where the sheet
    # went meanwhile is unknown, so the digit still missed afterwards is
    # not carried on from its stale place.
    frames = ([sheet(i) for i in range(10)] + [[]]
              + [sheet(i, missing=(1,)) for i in range(11, 18)])
    shown = feed(DigitTracker(), frames)
    assert [d.label for d in shown[11]].count(4) == 1  # still coasting
    assert all(4 not in [d.label for d in s] for s in shown[13:])
    assert all(len(s) == 4 for s in shown[13:])


def test_a_digit_read_once_with_a_mark_joined_to_it_keeps_its_track():
    # In one frame a stroke nearby joins the digit: its box is half as large
    # again and reads otherwise. The digit itself did not grow or move so.
    frames = [[Box(100 + 4 * i, 100, 20, 30, 7, 1.0)] for i in range(20)]
    frames[10] = [Box(95 + 40, 93, 30, 45, 2, 0.66)]
    shown = feed(DigitTracker(), frames)
    assert len({d.track for s in shown for d in s}) == 1
    assert all([d.label for d in s] == [7] for s in shown)


def test_a_digit_found_in_one_frame_of_four_shows_between_while_carried():
    # A faint digit on a moving sheet is found now and then; its neighbours
    # tell where it is in the other frames.
    frames = [sheet(i, missing=() if i < 8 or i % 4 == 0 else (1,)) for i in range(40)]
    shown = feed(DigitTracker(), frames)
    assert all([d.label for d in s].count(4) == 1 for s in shown[8:])
    assert len({d.track for s in shown[1:] for d in s if d.label == 4}) == 1


def test_a_new_digit_carried_by_the_sheet_bridges_short_gaps_only():
    # A small digit comes into view, is found in three frames running, then
    # missed: its neighbours carry it over two frames, not longer; found
    # only twice, it is not carried at all (a false find must not linger).
    def appears(first, found):
        return [sheet(i, missing=() if first <= i < first + found else (1,)) for i in range(first + found + 4)]

    shown = feed(DigitTracker(), appears(10, 3))
    fours = [[d.label for d in s].count(4) for s in shown]
    assert fours[11:15] == [1, 1, 1, 1] and fours[15:] == [0, 0]
    assert len({d.track for s in shown for d in s if d.label == 4}) == 1

    shown = feed(DigitTracker(), appears(10, 2))
    assert [[d.label for d in s].count(4) for s in shown][11:] == [1, 0, 0, 0, 0]
