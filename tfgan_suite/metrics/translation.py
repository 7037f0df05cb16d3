"""Scores of a translation against its hidden truth (issue #18; ``data/translation.py``).

Every image is in [−1, 1]. ``l1``: mean |output − truth| in units of the full range / 2, so
0 is exact and 1 is the distance between black and white; ``ssim``: the structural
similarity of the two mapped to [0, 1] (``tf.image.ssim``: 11-px Gaussian window, σ 1.5,
k₁ 0.01, k₂ 0.03 — Wang et al. 2004's constants); ``class_preserved``: the share of outputs
the target domain's classifier labels with the class of the source they came from.
Translated garments are 32 px (28 padded with black): ``crop_centre`` gives the classifier
the 28 px it was trained on, not a resized image.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def _pair(outputs, truth) -> tuple[np.ndarray, np.ndarray]:
    outputs, truth = np.asarray(outputs, np.float32), np.asarray(truth, np.float32)
    if outputs.shape != truth.shape or outputs.ndim != 4:
        raise ValueError(f"outputs and truth: the same [N, H, W, C] shape, got {outputs.shape} "
                         f"and {truth.shape}")
    return outputs, truth


def l1(outputs, truth) -> float:
    """Mean |output − truth| / 2 over pixels and images (0: exact, 1: black vs white)."""
    outputs, truth = _pair(outputs, truth)
    return float(np.mean(np.abs(outputs - truth)) / 2.0)


def ssim(outputs, truth) -> float:
    """Mean SSIM of each output with its truth, both mapped to [0, 1] (1: identical)."""
    outputs, truth = _pair(outputs, truth)
    scores = tf.image.ssim((outputs + 1.0) / 2.0, (truth + 1.0) / 2.0, max_val=1.0)
    return float(tf.reduce_mean(scores))


def crop_centre(images, side: int) -> np.ndarray:
    """The central ``side`` × ``side`` of [N, H, W, C] images."""
    images = np.asarray(images)
    height, width = images.shape[1:3]
    if side > min(height, width):
        raise ValueError(f"side: {side} px is larger than the images ({height}×{width})")
    top, left = (height - side) // 2, (width - side) // 2
    return images[:, top:top + side, left:left + side]


def class_preserved(classifier, outputs, source_labels) -> float:
    """Share of ``outputs`` that ``classifier`` (a ``DomainClassifier`` of the target
    domain) labels with their source's class; outputs larger than its input are
    centre-cropped to it."""
    outputs = np.asarray(outputs, np.float32)
    if outputs.shape[1] > classifier.image_size:
        outputs = crop_centre(outputs, classifier.image_size)
    return classifier.accuracy(outputs, source_labels)
