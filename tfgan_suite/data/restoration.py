"""Restore-then-GAN: the corrupted training images restored by a classical method of
scikit-image before an ordinary GAN trains on them — the baseline AmbientGAN and NR-GAN are
measured against (Bora et al. 2018's "unmeasure" baselines: blur / inpainting / Wiener
deconvolution; Kaneko & Harada 2020's denoise-then-GAN).

``data.corruption.restore`` (``METHODS``):

- ``nl_means``: non-local means (``skimage.restoration.denoise_nl_means``) with the noise
  level estimated per image (``noise_sigma``, Immerkær 1996), h = 0.8·σ̂ — the
  scikit-image example's setting; for the NR-GAN noises A–P;
- ``tv_chambolle``: total-variation denoising (``denoise_tv_chambolle``, weight 0.1);
- ``inpaint_biharmonic``: biharmonic inpainting (``inpaint_biharmonic``) of the blocked
  pixels, for ``block_pixels`` / ``block_patch``. The mask is where the measured value is
  exactly 0 on the [−1, 1] scale, which no 8-bit pixel maps to (v/127.5 − 1 ≠ 0);
- ``wiener``: Wiener deconvolution with the known 5×5 Gaussian blur of ``convolve_noise``
  (balance ``WIENER_BALANCE``, reflected border);
- ``auto``: the method that fits the corruption (noise → nl_means, block_pixels /
  block_patch → inpaint_biharmonic, convolve_noise → wiener). ``keep_patch`` has no
  classical restoration (the rest of the image is gone) and is refused.

Restoration runs once per (dataset, corruption, method) and is cached next to the
classifiers (``$TFGAN_CACHE_DIR``): the training set takes minutes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent import futures
from typing import Callable

import numpy as np

from tfgan_suite.data import image_corruptions

METHODS = ("none", "auto", "nl_means", "tv_chambolle", "inpaint_biharmonic", "wiener")
#: The method ``auto`` picks for each measurement (noises: nl_means).
AUTO = {"block_pixels": "inpaint_biharmonic", "block_patch": "inpaint_biharmonic",
        "convolve_noise": "wiener"}
_FIELD = "data.corruption.restore"


def noise_sigma(unit: np.ndarray) -> float:
    """Immerkær's estimate of the std of additive white noise in an image [H, W, C]
    ("Fast Noise Variance Estimation", CVIU 1996): √(π/2)/(6(W−2)(H−2))·Σ|I ∗ M| with M the
    difference of two Laplacians, which cancels smooth image content (averaged over
    channels). scikit-image's own estimator needs PyWavelets, which we do not install."""
    from scipy.signal import convolve2d

    mask = np.array([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])
    height, width = unit.shape[:2]
    sums = [np.abs(convolve2d(unit[..., c], mask, mode="valid")).sum()
            for c in range(unit.shape[-1])]
    return float(np.mean(sums) * np.sqrt(np.pi / 2.0) / (6.0 * (width - 2) * (height - 2)))


def _nl_means(unit: np.ndarray, corruption) -> np.ndarray:
    from skimage import restoration

    sigma = noise_sigma(unit)
    return restoration.denoise_nl_means(unit, h=0.8 * sigma, sigma=sigma, patch_size=3,
                                        patch_distance=5, fast_mode=True, channel_axis=-1)


def _tv(unit: np.ndarray, corruption) -> np.ndarray:
    from skimage import restoration

    return restoration.denoise_tv_chambolle(unit, weight=0.1, channel_axis=-1)


def _inpaint(unit: np.ndarray, corruption, signed: np.ndarray) -> np.ndarray:
    from skimage import restoration

    mask = np.all(signed == 0.0, axis=-1)
    if not mask.any() or mask.all():
        return unit
    return restoration.inpaint_biharmonic(unit, mask, channel_axis=-1)


#: Wiener's noise-to-signal balance and the reflected border it deconvolves with.
WIENER_BALANCE = 0.05
_WIENER_PAD = 8


def _wiener(unit: np.ndarray, corruption) -> np.ndarray:
    """Wiener deconvolution of the known 5×5 Gaussian blur, per channel, on the image
    reflected by 8 pixels at its border (the FFT's periodic border would otherwise wrap
    the opposite edge in). Balance 0.05: on smooth test images it cut the error inside
    the border 7× (unsupervised_wiener's estimated balance, and 0.01, left ringing); the
    outermost pixels, which the measurement's zero padding brightened, stay biased."""
    from skimage import restoration

    kernel = image_corruptions.gaussian_kernel(image_corruptions.BLUR_SIZE, 1.0)
    channels = []
    for c in range(unit.shape[-1]):
        padded = np.pad(unit[..., c], _WIENER_PAD, mode="reflect")
        restored = restoration.wiener(padded, kernel, WIENER_BALANCE, clip=False)
        channels.append(restored[_WIENER_PAD:-_WIENER_PAD, _WIENER_PAD:-_WIENER_PAD])
    return np.stack(channels, axis=-1)


_RESTORERS: dict[str, Callable] = {"nl_means": _nl_means, "tv_chambolle": _tv,
                                   "wiener": _wiener}


def method_for(method: str, corruption: image_corruptions.ImageCorruption) -> str:
    """The concrete method ``method`` names for ``corruption`` (resolves ``auto``)."""
    if method not in METHODS:
        raise ValueError(f"{_FIELD}: unknown value {method!r}; accepted: {', '.join(METHODS)}")
    if method == "none":
        return method
    if not corruption.active:
        raise ValueError(f"{_FIELD}: {method} restores corrupted images; set "
                         "data.corruption.image_noise or data.corruption.measurement")
    if corruption.measurement == "keep_patch":
        raise ValueError(f"{_FIELD}: keep_patch leaves one patch of each image; no classical "
                         "method restores the rest (accepted: none)")
    if method == "auto":
        return AUTO.get(corruption.measurement, "nl_means")
    if method == "inpaint_biharmonic" and corruption.measurement not in ("block_pixels",
                                                                         "block_patch"):
        raise ValueError(f"{_FIELD}: inpaint_biharmonic needs blocked pixels (measurement "
                         f"block_pixels or block_patch), got {corruption.measurement!r}")
    if method == "wiener" and corruption.measurement != "convolve_noise":
        raise ValueError(f"{_FIELD}: wiener deconvolves the known blur of measurement "
                         f"convolve_noise, got {corruption.measurement!r}")
    return method


def _restore_one(args) -> np.ndarray:
    method, signed, corruption = args
    unit = (signed.astype(np.float64) + 1.0) / 2.0
    if method == "inpaint_biharmonic":
        restored = _inpaint(unit, corruption, signed)
    else:
        restored = _RESTORERS[method](unit, corruption)
    restored = np.reshape(restored, unit.shape)  # some restorers drop a single channel
    return (np.clip(restored, 0.0, 1.0) * 2.0 - 1.0).astype(np.float32)


def restore(images: np.ndarray, method: str, corruption: image_corruptions.ImageCorruption,
            workers: int = 1) -> np.ndarray:
    """``images`` (float32 [N, H, W, C] in [−1, 1], as corrupted) restored by ``method``
    (``auto`` resolved against ``corruption``), float32 in [−1, 1]."""
    method = method_for(method, corruption)
    if method == "none":
        return images
    jobs = ((method, image, corruption) for image in images)
    if workers > 1 and len(images) > 256:
        # spawn, not fork: a forked child of a process running TensorFlow's thread pools
        # can deadlock.
        context = multiprocessing.get_context("spawn")
        with futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            restored = list(pool.map(_restore_one, jobs, chunksize=256))
    else:
        restored = [_restore_one(job) for job in jobs]
    return np.stack(restored).astype(np.float32)


def cached_restore(images: np.ndarray, method: str,
                   corruption: image_corruptions.ImageCorruption, key: dict,
                   cache_dir: str) -> np.ndarray:
    """``restore`` through a cache file named by ``key`` (dataset, split, size), the
    corruption and the method; the whole machine's cores restore a missing entry."""
    method = method_for(method, corruption)
    if method == "none":
        return images
    spec = json.dumps({"key": key, "corruption": corruption.describe(), "method": method,
                       "count": len(images)}, sort_keys=True)
    digest = hashlib.sha256(spec.encode()).hexdigest()[:12]
    path = os.path.join(cache_dir, "restored", f"{method}_{digest}.npy")
    if os.path.isfile(path):
        restored = np.load(path)
        if restored.shape == images.shape:
            return restored
    restored = restore(images, method, corruption, workers=os.cpu_count() or 1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.partial.npy"
    np.save(partial, restored)
    os.replace(partial, path)  # atomic: a killed run never leaves half a cache file
    return restored
