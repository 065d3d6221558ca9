"""Video clips of a moving digit sheet, with the true boxes of every frame.

A sheet is written once with :mod:`samples.sheets`, then filmed by a camera
whose lighting stays fixed while the paper drifts, turns, tilts and zooms
along a smooth path, as under a webcam held over a desk.  The frames are
written with ``cv2.VideoWriter`` (Motion JPEG in AVI) and the truth is kept
in memory and, optionally, in a JSON file next to the video.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from preprocessing.boxes import box_iou
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.paper import sample_ink, sample_paper
from samples.presets import PRESETS, choose
from samples.sheets import MIN_INK_CONTRAST, make_sheet, photograph

# What each kind of clip is made of: paper, ruling, pen and camera preset.
CLIP_KINDS = {
    "webcam": dict(paper="white", rule="plain", ink="ballpoint", condition="webcam", marks=1),
    "ruled": dict(paper="cream", rule="ruled", ink="gel", condition="webcam", marks=1),
    "pencil": dict(paper="white", rule="plain", ink="pencil", condition="hard", marks=2),
    "squared": dict(paper="white", rule="grid", ink="ballpoint", condition="hard", marks=2),
    "shadow": dict(paper="grey", rule="plain", ink="marker", condition="hard", marks=2,
                   shadow=0.45),
    "blur": dict(paper="white", rule="plain", ink="gel", condition="hard", marks=1, blur=2.0),
}


@dataclass
class Clip:
    """A written video and its truth.

    Attributes
    ----------
    path : str
        The video file.
    size : tuple of int
        ``(width, height)`` of the frames.
    fps : float
        Frame rate written in the file.
    truth : list of list of dict
        Per frame, the digits in view: ``{"x", "y", "w", "h", "label"}``
        (``"partial": True`` when cut by the frame border).
    kind : str
        Key of :data:`CLIP_KINDS`.
    """

    path: str
    size: tuple
    fps: float
    truth: list = field(repr=False)
    kind: str = "webcam"

    @property
    def n_frames(self):
        """Number of frames written."""
        return len(self.truth)


def default_glyphs(folder=None):
    """Digit shapes from the MNIST test set in ``folder`` (default: ``MNIST_DIR``), or None."""
    data = load_mnist_digits(folder or os.environ.get("MNIST_DIR"))
    if data is None:
        return None
    images, labels = data
    return GlyphSource(images, labels, fonts=False)


def camera_path(n_frames, center, scale, size, rng, *, drift=0.12, turn=8.0, zoom=0.2, tilt=8.0):
    """Smooth camera poses over a clip: the sheet drifts, turns, tilts and zooms.

    Parameters
    ----------
    n_frames : int
        Number of poses.
    center : tuple of float
        Sheet point at the image centre at rest.
    scale : float
        Mean image pixels per sheet pixel.
    size : tuple of int
        ``(width, height)`` of the image.
    rng : numpy.random.Generator
        Draws the phases of the motions.
    drift : float
        Amplitude of the drift, as a fraction of the image's width and height.
    turn, tilt : float
        Amplitudes of the rotation and tilts, in degrees.
    zoom : float
        Relative amplitude of the zoom.

    Returns
    -------
    list of dict
        Poses for :func:`samples.camera.pose_homography`.
    """
    phases = rng.uniform(0, 2 * math.pi, 6)
    reach_x, reach_y = drift * size[0] / scale, drift * size[1] / scale  # in sheet pixels
    poses = []
    for i in range(n_frames):
        u = 2 * math.pi * i / max(n_frames - 1, 1)
        poses.append(dict(
            center=(center[0] + reach_x * math.sin(u + phases[0]),
                    center[1] + reach_y * math.sin(0.7 * u + phases[1])),
            scale=scale * (1 + zoom * math.sin(0.8 * u + phases[2])),
            angle=turn * math.sin(0.9 * u + phases[3]),
            tilt=(tilt * math.sin(0.6 * u + phases[4]), tilt * math.sin(0.5 * u + phases[5])),
        ))
    return poses


def write_clip(path, glyphs, *, seed=0, kind="webcam", size=(640, 480), n_frames=75, fps=30.0,
               n_digits=8, digit_px=40.0, n_marks=None, write_truth=False):
    """Film a sheet of digits moving under a camera and write it as a video.

    Parameters
    ----------
    path : str
        Output video; ``.avi`` is written as Motion JPEG, anything else as
        MPEG-4 part 2.
    glyphs : samples.glyphs.GlyphSource
        Where the digit shapes come from.
    seed : int
        Everything random in the clip follows from it.
    kind : str
        Key of :data:`CLIP_KINDS`.
    size : tuple of int
        ``(width, height)`` of the frames.
    n_frames : int
        Length of the clip.
    fps : float
        Frame rate stored in the file.
    n_digits : int
        Digits on the sheet.
    digit_px : float
        Typical digit height in the frames, in pixels (less if the sheet
        would not fit in the frame).
    n_marks : int, optional
        Stray marks on the sheet; by default as the kind has it.
    write_truth : bool
        Also write the truth to ``path + ".json"``.

    Returns
    -------
    Clip
    """
    spec = CLIP_KINDS[kind]
    rng = np.random.default_rng(seed)
    sheet_px = 60.0
    paper = sample_paper(rng, spec["paper"], spec["rule"], sheet_px)
    sheet = make_sheet(
        rng, glyphs, n_digits=n_digits, digit_height=sheet_px, paper=paper,
        ink=_legible(sample_ink(rng, spec["ink"]), paper),
        n_marks=spec["marks"] if n_marks is None else n_marks,
        desk=choose(rng, PRESETS[spec["condition"]].desk),
    )
    boxes = np.array([d.box() for d in sheet.digits], np.float64)
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
    # Keep the whole block in view at the largest zoom of the path.
    scale = min(digit_px / sheet_px, 0.62 * min(size[0] / (x1 - x0), size[1] / (y1 - y0)) / 1.2)
    poses = camera_path(n_frames, ((x0 + x1) / 2, (y0 + y1) / 2), scale, size, rng)
    camera = _clip_camera(sheet, rng, size, spec, poses[0])
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.endswith(".avi") else "mp4v"))
    writer = cv2.VideoWriter(path, fourcc, fps, tuple(size))
    if not writer.isOpened():
        raise OSError(f"cannot write {path}")
    truth = []
    try:
        for pose in poses:
            photo = photograph(sheet, rng, size=size, condition=spec["condition"],
                               camera=camera, pose=pose)
            writer.write(photo.image)
            truth.append(photo.digits)
    finally:
        writer.release()
    if write_truth:
        with open(path + ".json", "w", encoding="utf-8") as fh:
            json.dump({"fps": fps, "size": list(size), "kind": kind, "frames": truth}, fh)
    return Clip(path, tuple(size), fps, truth, kind)


def read_clip(path):
    """A clip written earlier with ``write_truth=True``.

    Returns
    -------
    Clip or None
        None if the video or its truth file is missing.
    """
    if not (os.path.isfile(path) and os.path.isfile(path + ".json")):
        return None
    with open(path + ".json", encoding="utf-8") as fh:
        saved = json.load(fh)
    return Clip(path, tuple(saved["size"]), saved["fps"], saved["frames"], saved["kind"])


def _clip_camera(sheet, rng, size, spec, pose):
    """One camera for the whole clip, drawn from the preset, with the kind's extras."""
    camera = photograph(sheet, rng, size=size, condition=spec["condition"], pose=pose).camera
    changes = {}
    if "shadow" in spec:
        changes.update(shadow=spec["shadow"], shadow_kind="hand")
    if "blur" in spec:
        changes.update(blur=max(camera.blur, spec["blur"]))
    return replace(camera, **changes) if changes else camera


def _legible(ink, paper):
    """Make a faint pen (light pencil) as visible as the generator's photos require."""
    gap = abs(float(np.mean(paper.color)) - float(np.mean(ink.color)))
    if gap * ink.opacity >= MIN_INK_CONTRAST or gap == 0:
        return ink
    return replace(ink, opacity=min(1.0, MIN_INK_CONTRAST / gap))


# --------------------------------------------------------------------------- scoring


def match_frame(found, truth, min_iou=0.3):
    """Count hits, false finds and misses of one frame.

    Finds and true digits are paired by decreasing overlap.  A find paired
    with a digit of the same label is a hit; with another label it is both a
    false find and a miss.  Digits cut by the frame border are neither
    required nor held against the find paired with them.

    Parameters
    ----------
    found : list of dict
        ``{"x", "y", "w", "h", "label"}``, as in the live log.
    truth : list of dict
        The true digits of the frame.
    min_iou : float
        Least overlap of a pair.

    Returns
    -------
    tuple of int
        ``(hits, false finds, misses)``.
    """
    pairs = sorted(((box_iou(_box(f), _box(t)), i, j)
                    for i, f in enumerate(found) for j, t in enumerate(truth)), reverse=True)
    paired_f, paired_t = {}, set()
    for iou, i, j in pairs:
        if iou < min_iou:
            break
        if i not in paired_f and j not in paired_t:
            paired_f[i] = j
            paired_t.add(j)
    hits = false_finds = 0
    for i, f in enumerate(found):
        j = paired_f.get(i)
        if j is None:
            false_finds += 1
        elif not truth[j].get("partial"):
            if f["label"] == truth[j]["label"]:
                hits += 1
            else:
                false_finds += 1
    required = sum(1 for t in truth if not t.get("partial"))
    return hits, false_finds, required - hits


def f1_score(hits, false_finds, misses):
    """F1 of summed counts (1.0 when there was nothing to find and nothing found)."""
    total = 2 * hits + false_finds + misses
    return 2 * hits / total if total else 1.0


def _box(d):
    return d["x"], d["y"], d["w"], d["h"]
