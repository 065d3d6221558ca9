"""Axis-aligned boxes ``(x, y, w, h)`` in pixels."""


def box_intersection(a, b):
    """Area of the overlap of two boxes.

    Parameters
    ----------
    a, b : sequence of 4 numbers
        ``(x, y, w, h)``.

    Returns
    -------
    float
        0 when they do not overlap.
    """
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy


def box_coverage(a, b):
    """Share of one box's area that another covers.

    Parameters
    ----------
    a, b : sequence of 4 numbers
        ``(x, y, w, h)``: how much of ``b`` lies under ``a``.

    Returns
    -------
    float
        In [0, 1]; 0 when ``b`` is empty.
    """
    area = b[2] * b[3]
    return float(box_intersection(a, b) / area) if area > 0 else 0.0


def box_iou(a, b):
    """Intersection over union of two boxes.

    Parameters
    ----------
    a, b : sequence of 4 numbers
        ``(x, y, w, h)``.

    Returns
    -------
    float
        In [0, 1]; 0 when both boxes are empty.
    """
    inter = box_intersection(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0
