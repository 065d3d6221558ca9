"""The windowed mode for real, on a virtual X server (Xvfb).

The test starts ``Xvfb`` itself, runs ``python -m live`` on a video in it,
finds the window with ``xdotool``, takes a screenshot of the screen with
``xwd`` and looks for the overlay's colours in it, presses ``s`` (snapshot)
and ``q`` (quit) and expects a normal exit.  Needs the Debian packages xvfb,
xdotool and x11-apps (for xwd).  Without them the test is skipped, unless
REQUIRE_XVFB=1 is set, as in CI, where it fails instead.
"""

import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from live.display import WINDOW_TITLE, display_problem
from live.overlay import BANNER_COLOUR
from samples.clips import default_glyphs, write_clip

ROOT = Path(__file__).resolve().parents[1]
TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool", "xwd": "x11-apps"}


def missing_x_tools():
    """What is missing to run the test, or an empty string."""
    return ", ".join(f"{tool} (apt package {package})" for tool, package in TOOLS.items()
                     if shutil.which(tool) is None)


def require_x_tools():
    missing = missing_x_tools()
    if missing:
        pytest.fail(f"not installed: {missing}; REQUIRE_XVFB=1 requires them")


if missing_x_tools() and os.environ.get("REQUIRE_XVFB") != "1":
    pytest.skip(f"not installed: {missing_x_tools()}", allow_module_level=True)


def read_xwd(data):
    """A BGR image from an X window dump (the output of ``xwd``)."""
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    masks, colours = fields[14:17], fields[19]
    step = bits_per_pixel // 8
    rows = np.frombuffer(data, np.uint8, count=height * bytes_per_line,
                         offset=header_size + 12 * colours).reshape(height, bytes_per_line)
    raw = rows[:, :width * step].reshape(height, width, step).astype(np.uint32)
    if byte_order == 1:  # most significant byte first
        raw = raw[:, :, ::-1]
    pixels = sum(raw[:, :, k] << (8 * k) for k in range(step))
    red, green, blue = (((pixels & m) >> ((m & -m).bit_length() - 1)).astype(np.uint8)
                        for m in masks)
    return np.dstack([blue, green, red])


def screenshot(env):
    dump = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True,
                          timeout=30, check=True).stdout
    return read_xwd(dump)


def wait_for_window(app, env, timeout=120):
    """Id of the application's window, once it is mapped."""
    name = WINDOW_TITLE.split(" (")[0]  # xdotool takes a regular expression
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.poll() is not None:
            pytest.fail(f"python -m live exited with {app.returncode}: {app.stderr.read()}")
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], env=env,
                               capture_output=True, text=True, timeout=30)
        if found.stdout.split():
            return found.stdout.split()[0]
        time.sleep(0.2)
    pytest.fail("no window appeared")


@pytest.fixture
def x_server():
    """A private Xvfb display; yields the environment to run clients in it."""
    require_x_tools()
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()  # Xvfb picks a free display and names it here
        assert number, "Xvfb did not start"
        env = dict(os.environ, DISPLAY=f":{number}")
        env.pop("WAYLAND_DISPLAY", None)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def short_clip(mnist_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("window") / "sheet.avi"
    return write_clip(str(path), default_glyphs(str(mnist_dir)), seed=5, size=(640, 480),
                      n_frames=30, digit_px=45, n_digits=6, n_marks=0)


def test_the_display_is_found(x_server, monkeypatch):
    monkeypatch.setenv("DISPLAY", x_server["DISPLAY"])
    assert display_problem() is None
    monkeypatch.setenv("DISPLAY", ":4999")
    assert "cannot connect" in display_problem()


def test_window_shows_the_overlay_and_quits_on_q(x_server, short_clip, trained_model_path,
                                                   tmp_path):
    snapshots = tmp_path / "snapshots"
    app = subprocess.Popen(
        [sys.executable, "-m", "live", "--source", short_clip.path,
         "--model", str(trained_model_path), "--snapshots", str(snapshots), "--inset"],
        cwd=ROOT, env=x_server, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        window = wait_for_window(app, x_server)
        # The overlay is there once the banner and a confident (green) box show.
        deadline = time.monotonic() + 60
        while True:
            image = screenshot(x_server)
            banner = np.all(image == BANNER_COLOUR, axis=2).sum()
            green = np.all(image == (0, 200, 0), axis=2).sum()
            if (banner > 640 * 15 and green > 50) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert banner > 640 * 15, "no banner on screen"
        assert green > 50, "no confident digit box on screen"

        subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "s"], env=x_server,
                       check=True, timeout=30)
        deadline = time.monotonic() + 20
        while len(list(snapshots.glob("*.png"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sorted(p.name.rsplit("-", 1)[1] for p in snapshots.glob("*.png")) == [
            "annotated.png", "raw.png"]

        subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "q"], env=x_server,
                       check=True, timeout=30)
        _, stderr = app.communicate(timeout=10)
        assert app.returncode == 0, stderr
    finally:
        app.kill()
        app.wait()
