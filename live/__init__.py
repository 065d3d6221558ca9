"""Live reading of handwritten digits from a camera, video file, folder or stream.

Run ``python -m live --help`` for the command; :func:`live.loop.run` is the
loop behind it.
"""
