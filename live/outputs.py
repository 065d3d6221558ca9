"""What a run leaves behind: an annotated video and a JSON-lines log.

Both are written as frames are processed and closed on every way out of a
run (end, error, Ctrl-C), so a recording is always playable and a log is
always whole lines.  Log format, one line per processed frame::

    {"frame": 12, "time": 0.41, "text": "2025 17",
     "digits": [{"x": 10, "y": 20, "w": 15, "h": 22, "label": 2,
                 "confidence": 0.93, "track": 4}, ...],
     "fps": 29.7}

``frame`` is the 0-based index in the source, ``time`` the seconds since the
run started, ``digits`` the digits shown (voted labels, boxes in the source
frame's pixels) in reading order, ``fps`` the processing rate.
"""

import json
import os
import sys

import cv2

# Codec per recording file extension.
RECORDING_CODECS = {".avi": "MJPG", ".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "MJPG"}


class OutputError(Exception):
    """An output file cannot be written; the message is one line."""


def check_recording_path(path):
    """Raise ValueError unless the file extension names a known video format."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in RECORDING_CODECS:
        raise ValueError(f"recording must end with one of {', '.join(RECORDING_CODECS)}: {path}")


class VideoRecorder:
    """Write frames to a video file; the size is fixed by the first frame.

    Parameters
    ----------
    path : str
        Output file; its extension chooses the codec (:data:`RECORDING_CODECS`).
    fps : float
        Frame rate stored in the file.

    Raises
    ------
    OutputError
        If the file's folder is missing or read-only.
    """

    def __init__(self, path, fps):
        check_recording_path(path)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise OutputError(f"cannot write the recording {path}: no writable folder {folder}")
        self.path = path
        self.fps = float(fps)
        self.frames = 0
        self.size = None
        self._writer = None

    def write(self, image):
        """Append a BGR frame (resized to the first frame's size if it differs)."""
        h, w = image.shape[:2]
        if self._writer is None:
            self._open((w, h))
        if (w, h) != self.size:
            image = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(image)
        self.frames += 1

    def _open(self, size):
        codec = RECORDING_CODECS[os.path.splitext(self.path)[1].lower()]
        self._writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*codec), self.fps, size)
        if not self._writer.isOpened():
            self._writer = None
            raise OutputError(f"cannot write the recording {self.path}")
        self.size = size

    def close(self):
        """Finish the file (it is only playable once closed)."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FrameLog:
    """One JSON line per processed frame, flushed as it is written.

    Parameters
    ----------
    path : str
        Output file (``-`` for standard output).

    Raises
    ------
    OutputError
        If the file cannot be created.
    """

    def __init__(self, path):
        self.path = path
        self.lines = 0
        if path == "-":
            self._file, self._owned = sys.stdout, False
            return
        try:
            self._file, self._owned = open(path, "w", encoding="utf-8"), True
        except OSError as exc:
            raise OutputError(f"cannot write the log {path}: {exc.strerror}") from None

    def write(self, record):
        """Write one record as a line.

        Raises
        ------
        OutputError
            If it cannot be written (a full disk, a pipe closed early).
        """
        try:
            self._file.write(json.dumps(record, separators=(", ", ": ")) + "\n")
            self._file.flush()
        except OSError as exc:
            if not self._owned:
                # Python flushes standard output again as it ends, and would
                # fail again on the closed pipe.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            where = self.path if self._owned else "to standard output"
            raise OutputError(f"cannot write the log {where}: {exc.strerror or exc}") from None
        self.lines += 1

    def close(self):
        """Close the file (each line is already flushed: a failure to close
        it after a failed write loses nothing more)."""
        if self._owned and not self._file.closed:
            try:
                self._file.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def frame_record(index, elapsed, text, digits, fps):
    """The log record of one frame.

    Parameters
    ----------
    index : int
        Frame index in the source.
    elapsed : float
        Seconds since the run started.
    text : str
        The numbers shown, in reading order.
    digits : sequence of live.tracker.TrackedDigit
        The digits shown, in reading order.
    fps : float
        Processing rate.

    Returns
    -------
    dict
    """
    return {
        "frame": int(index),
        "time": round(float(elapsed), 4),
        "text": text,
        "digits": [{"x": int(d.x), "y": int(d.y), "w": int(d.w), "h": int(d.h),
                    "label": int(d.label), "confidence": round(float(d.confidence), 4),
                    "track": int(d.track)} for d in digits],
        "fps": round(float(fps), 2),
    }
