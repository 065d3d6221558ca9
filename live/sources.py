"""Where frames come from: a camera, a video file, a folder of images or a stream.

Every source is iterated as :class:`Frame` objects (index in the source,
image, time on the source's timeline) and closed with ``close()`` or a
``with`` block.

Cameras and stream URLs are read on a background thread that always keeps
the newest frame, so a slow frame never makes the capture fall behind: the
frames processed are the newest ones, and the ones in between are skipped
(their indices are skipped too).  Video files and folders are read frame by
frame and nothing is skipped; video files are decoded a few frames ahead on
a background thread, while the previous frame is processed.
"""

import os
import queue
import re
import stat
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
# Frame rate assumed when a file does not say, and for folders of images.
NOMINAL_FPS = 30.0
# A live source that sends nothing for this long is taken as lost.
LIVE_TIMEOUT = 5.0
# Frames of a video file decoded ahead of the one being processed.
READ_AHEAD = 4


class SourceError(Exception):
    """A source cannot be opened or stopped working; the message is one line."""


@dataclass
class Frame:
    """One frame of a source.

    Attributes
    ----------
    index : int
        0-based position in the source (for live sources, the number of
        frames captured before this one).
    image : ndarray
        BGR uint8 image.
    time : float
        Seconds on the source's timeline: position in a file or folder
        (at its frame rate), capture time for live sources.
    """

    index: int
    image: np.ndarray
    time: float


@contextmanager
def _quiet_opencv():
    """Silence OpenCV's own warnings while probing a device or file."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


class VideoFileSource:
    """Every frame of a video file, in order.

    Parameters
    ----------
    path : str
        The video.

    Raises
    ------
    SourceError
        If the file cannot be decoded.
    """

    live = False

    def __init__(self, path):
        self.name = path
        with _quiet_opencv():
            self._capture = cv2.VideoCapture(path)
            ok, self._first = self._capture.read() if self._capture.isOpened() else (False, None)
        if not ok:
            self._capture.release()
            raise SourceError(f"cannot read video {path}: not a video, or its codec is unsupported")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 0 < fps < 1000 else NOMINAL_FPS
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.total = count if count > 0 else None
        self._decoder = None
        self._stopping = threading.Event()

    def __iter__(self):
        if self._first is None:  # iterated before: the file is read to its end
            return
        frames = queue.Queue(READ_AHEAD)
        self._stopping.clear()
        self._decoder = threading.Thread(target=self._decode, args=(frames,),
                                         name=f"decode {self.name}", daemon=True)
        self._decoder.start()
        try:
            index = 0
            while (image := frames.get()) is not None:
                yield Frame(index, image, index / self.fps)
                index += 1
        finally:
            self._stop_decoding(frames)

    def _decode(self, frames):
        """Decode frames into the queue, then None; stop early when asked."""
        image, self._first = self._first, None
        while image is not None and not self._stopping.is_set():
            _put_unless(frames, image, self._stopping)
            ok, image = self._capture.read()
            if not ok:
                image = None
        _put_unless(frames, None, self._stopping)

    def _stop_decoding(self, frames):
        self._stopping.set()
        while self._decoder.is_alive():
            try:
                frames.get(timeout=0.05)  # room for a put under way
            except queue.Empty:
                pass
        self._decoder.join()

    def close(self):
        """Release the file."""
        if self._decoder is not None and self._decoder.is_alive():
            self._stopping.set()
            self._decoder.join(timeout=2.0)
            if self._decoder.is_alive():  # never release under a read in progress
                return
        self._capture.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _put_unless(frames, item, stopping):
    """Put an item in a bounded queue, waiting for room unless told to stop."""
    while not stopping.is_set():
        try:
            frames.put(item, timeout=0.05)
            return
        except queue.Full:
            pass


class ImageSource:
    """A list of image files read in order, as the frames of a video.

    Unreadable images are skipped with a warning through ``warn``.

    Parameters
    ----------
    paths : list of str
        The images.
    name : str
        How to name the source in messages.
    warn : callable, optional
        Called with a one-line message for each unreadable image.
    """

    live = False
    fps = NOMINAL_FPS

    def __init__(self, paths, name, warn=None):
        self.name = name
        self.paths = list(paths)
        self.total = len(self.paths)
        self._warn = warn or (lambda message: None)

    def __iter__(self):
        for index, path in enumerate(self.paths):
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            if image is None:
                self._warn(f"skipped unreadable image {path}")
                continue
            yield Frame(index, image, index / self.fps)

    def close(self):
        """Nothing to release."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_folder(folder, warn=None):
    """The images of a folder, in natural name order (``2.png`` before ``10.png``).

    Raises
    ------
    SourceError
        If the folder holds no image.
    """
    paths = list_images(folder)
    if not paths:
        raise SourceError(f"no images ({' '.join(IMAGE_EXTENSIONS)}) in folder {folder}")
    return ImageSource(paths, folder, warn)


def list_images(folder):
    """Image files of a folder, in natural name order.

    Parameters
    ----------
    folder : str

    Returns
    -------
    list of str
        Paths.
    """
    names = [n for n in os.listdir(folder)
             if n.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(folder, n))]
    return [os.path.join(folder, n) for n in sorted(names, key=_natural_key)]


def _natural_key(name):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


class LiveSource:
    """A camera or stream read on a background thread; iterating gives the newest frames.

    Parameters
    ----------
    capture : cv2.VideoCapture
        An opened capture.
    name : str
        How to name the source in messages (e.g. ``"camera 0"``).
    timeout : float
        Seconds without a new frame after which the source is taken as lost.
    """

    live = True
    total = None

    def __init__(self, capture, name, timeout=LIVE_TIMEOUT):
        self.name = name
        self.timeout = timeout
        self._capture = capture
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 0 < fps < 1000 else NOMINAL_FPS
        self._new = threading.Condition()
        self._latest = None  # (index, image, capture time)
        self._count = 0
        self._ended = False
        self._stopping = False
        self._thread = threading.Thread(target=self._capture_frames, name=f"capture {name}",
                                        daemon=True)
        self._thread.start()

    def _capture_frames(self):
        last_good = time.monotonic()
        while not self._stopping:
            ok, image = self._capture.read()
            now = time.monotonic()
            with self._new:
                if ok:
                    last_good = now
                    self._latest = (self._count, image, now)
                    self._count += 1
                elif now - last_good > self.timeout:  # brief hiccups are retried
                    self._ended = True
                self._new.notify_all()
            if self._ended:
                return
            if not ok:
                time.sleep(0.05)

    def __iter__(self):
        start = None
        last = -1
        while True:
            with self._new:
                self._new.wait_for(
                    lambda: self._ended or (self._latest is not None and self._latest[0] > last),
                    timeout=self.timeout)
                latest = self._latest
            if latest is None or latest[0] <= last:  # the thread gave up, or the wait did
                raise SourceError(f"{self.name} stopped sending frames (disconnected?)")
            index, image, captured = latest
            start = captured if start is None else start
            last = index
            yield Frame(index, image, captured - start)

    def close(self):
        """Stop the capture thread and release the device."""
        self._stopping = True
        self._thread.join(timeout=2.0)
        if not self._thread.is_alive():  # never release under a read in progress
            self._capture.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_camera(index, width=None, height=None, warn=None):
    """Open a camera by index and start reading it.

    Parameters
    ----------
    index : int
        Camera index (0 is the first camera).
    width, height : int, optional
        Resolution to ask the camera for.
    warn : callable, optional
        Called with a one-line message when the camera gives another size.

    Returns
    -------
    LiveSource

    Raises
    ------
    SourceError
        If there is no working camera at that index.
    """
    with _quiet_opencv():
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            raise SourceError(
                f"no camera at index {index}; choose another with --source N (0, 1, ...) "
                "or read a video file, folder or URL with --source PATH")
        if width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    got = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    if warn and (width or height) and got != (width or got[0], height or got[1]):
        warn(f"camera {index} gives {got[0]}x{got[1]}, not the {width or got[0]}x"
             f"{height or got[1]} asked for")
    return LiveSource(capture, f"camera {index}")


def open_stream(url):
    """Open a network stream (rtsp://, http://, ...) and start reading it.

    Raises
    ------
    SourceError
        If the stream cannot be opened.
    """
    with _quiet_opencv():
        capture = cv2.VideoCapture(url)
    if not capture.isOpened():
        raise SourceError(f"cannot open stream {url}")
    return LiveSource(capture, f"stream {url}")


def open_source(spec, width=None, height=None, warn=None):
    """Open a source named on the command line.

    Parameters
    ----------
    spec : str
        A camera index (``"0"``), a camera device (``/dev/video0``), a video
        file, a folder of images, a single image, or a stream URL.
    width, height : int, optional
        Resolution asked of a camera.
    warn : callable, optional
        Receives one-line warnings (skipped images, camera size).

    Returns
    -------
    VideoFileSource, ImageSource or LiveSource

    Raises
    ------
    SourceError
        With a one-line message if the source cannot be used.
    """
    if re.fullmatch(r"\d+", spec.strip()):
        return open_camera(int(spec), width, height, warn)
    if "://" in spec:
        return open_stream(spec)
    if os.path.isdir(spec):
        return open_folder(spec, warn)
    if not os.path.exists(spec):
        raise SourceError(f"no such file, folder or camera: {spec}")
    if stat.S_ISCHR(os.stat(spec).st_mode):
        with _quiet_opencv():
            capture = cv2.VideoCapture(spec)
        if not capture.isOpened():
            raise SourceError(f"cannot open camera device {spec}")
        return LiveSource(capture, f"camera {spec}")
    if spec.lower().endswith(IMAGE_EXTENSIONS):
        return ImageSource([spec], spec, warn)
    return VideoFileSource(spec)

