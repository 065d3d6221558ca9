"""The window: whether one can be opened, showing frames, keys, snapshots.

OpenCV's windows (Qt, X11 only, in the opencv-python wheels) abort the whole
process when no X display can be reached, so the display is tested first:
on Linux and other X11 systems, ``DISPLAY`` must be set and libX11's
``XOpenDisplay`` must connect to it (loaded with ctypes, which cannot crash
the process and costs a millisecond).  Without libX11 the test falls back to
opening a window in a child process, which may abort harmlessly.
"""

import ctypes
import ctypes.util
import os
import subprocess
import sys
import time

import cv2

WINDOW_TITLE = "Live digits (q: quit, space: pause, s: snapshot, d: debug)"
# What each key does.
KEY_ACTIONS = {"q": "quit", "esc": "quit", "space": "pause", "s": "snapshot", "d": "debug"}
_KEY_NAMES = {27: "esc", 32: "space"}


def display_problem():
    """Why no window can be opened here, or None when one can.

    Returns
    -------
    str or None
        A short reason, e.g. ``"DISPLAY is not set"``.
    """
    if sys.platform in ("win32", "darwin"):
        return None
    display = os.environ.get("DISPLAY")
    if not display:
        if os.environ.get("WAYLAND_DISPLAY"):
            return "DISPLAY is not set (the window needs X11 or XWayland, not Wayland alone)"
        return "DISPLAY is not set"
    if not _x_display_opens(display):
        return f"cannot connect to the X display {display}"
    return None


def _x_display_opens(name):
    path = ctypes.util.find_library("X11")
    if path is None:
        return _window_opens_in_child()
    xlib = ctypes.CDLL(path)
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = xlib.XOpenDisplay(name.encode())
    if not handle:
        return False
    xlib.XCloseDisplay(handle)
    return True


def _window_opens_in_child():
    probe = "import cv2; cv2.namedWindow('probe'); cv2.waitKey(1); cv2.destroyAllWindows()"
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def key_name(code):
    """Name of a key code from ``cv2.waitKey``: ``"q"``, ``"esc"``, ``"space"`` or None."""
    if code < 0:
        return None
    code &= 0xFF
    if code in _KEY_NAMES:
        return _KEY_NAMES[code]
    return chr(code).lower() if 32 < code < 127 else None


class Window:
    """A window showing frames at their own size.

    Parameters
    ----------
    title : str
        Window title.
    """

    def __init__(self, title=WINDOW_TITLE):
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
        self._shown = False

    def show(self, image):
        """Show a BGR image."""
        cv2.imshow(self.title, image)
        self._shown = True

    def action(self, wait_ms=1):
        """Process window events and return the action of a key pressed, if any.

        Parameters
        ----------
        wait_ms : int
            How long to wait for a key, in milliseconds.

        Returns
        -------
        str or None
            A value of :data:`KEY_ACTIONS`; ``"quit"`` too when the window
            was closed.
        """
        action = KEY_ACTIONS.get(key_name(cv2.waitKey(wait_ms)))
        if action is None and self._shown and self.closed():
            return "quit"
        return action

    def closed(self):
        """Whether the user closed the window."""
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self):
        """Close the window."""
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass


def save_snapshot(folder, index, annotated, raw):
    """Save the annotated and the raw frame as PNG files.

    Parameters
    ----------
    folder : str
        Created if needed.
    index : int
        Frame index, used in the names.
    annotated, raw : ndarray
        BGR images.

    Returns
    -------
    list of str
        The two paths.
    """
    os.makedirs(folder, exist_ok=True)
    stem = os.path.join(folder, f"{time.strftime('%Y%m%d-%H%M%S')}-frame{index:06d}")
    paths = [f"{stem}-annotated.png", f"{stem}-raw.png"]
    for path, image in zip(paths, (annotated, raw)):
        if not cv2.imwrite(path, image):
            raise OSError(f"cannot write snapshot {path}")
    return paths
