"""The one sample-grid writer: image grids (PNG) and toy 2-D scatter plots."""

from __future__ import annotations

import math
import os
from typing import Optional

import numpy as np


def image_grid(images: np.ndarray, columns: Optional[int] = None, padding: int = 2) -> np.ndarray:
    """Tile NHWC images in [-1, 1] into one uint8 HWC array (C = 1 or 3), ``padding`` px apart."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images: expected NHWC with 1 or 3 channels, got shape {images.shape}")
    n, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.full((rows * (height + padding) + padding, columns * (width + padding) + padding,
                    channels), 255, np.uint8)
    pixels = np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    for index in range(n):
        row, column = divmod(index, columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        grid[top:top + height, left:left + width] = pixels[index]
    return grid


def class_row_columns(labels: Optional[np.ndarray]) -> Optional[int]:
    """Columns that put each class on its own row when ``labels`` are grouped by class
    (non-decreasing, two or more classes), e.g. 0,0,0,1,1,1 -> 3; otherwise None (a
    square grid)."""
    if labels is None:
        return None
    labels = np.asarray(labels).reshape(-1)
    if labels.size < 2 or np.any(np.diff(labels) < 0) or labels[0] == labels[-1]:
        return None
    _, counts = np.unique(labels, return_counts=True)
    return int(counts.max())


def save_image_grid(images: np.ndarray, path: str, columns: Optional[int] = None,
                    scale: int = 2) -> str:
    """Write ``image_grid(images)`` as a PNG (upscaled ``scale``× for viewing); returns path."""
    from PIL import Image

    grid = image_grid(images, columns)
    mode = "L" if grid.shape[-1] == 1 else "RGB"
    picture = Image.fromarray(grid[..., 0] if mode == "L" else grid, mode=mode)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    picture.save(path)
    return path


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (no display; files and buffers only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_scatter(points: np.ndarray, path: str, centers: Optional[np.ndarray] = None,
                 title: str = "") -> str:
    """Scatter plot of 2-D samples (with the mixture's centres) as a PNG; returns path."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5, label="samples")
    if centers is not None:
        axes.scatter(centers[:, 0], centers[:, 1], s=25, marker="x", c="red", label="modes")
    axes.set_aspect("equal")
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def figure_to_array(path: str) -> np.ndarray:
    """Read a PNG back as uint8 HWC (for TensorBoard image summaries)."""
    from PIL import Image

    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"))
