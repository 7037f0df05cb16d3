"""The SPTK mel-cepstrum in numpy: the all-pass frequency warping ``freqt``, the envelope ↔
mel-cepstrum conversions ``sp2mc`` / ``mc2sp`` and the warping constant ``mcep_alpha``
(speech.md §1.1, §1.2). Frames lie on the leading axes, coefficients on the last.

Sources (read, not copied):

- ``freqt``: SPTK 3.x's recursion (``freqt`` in _freqt.c): with b = 1 − α² and g = 0, for
  i = m1 … 0 copy d ← g, then g0 = c[i] + α·d0, g1 = b·d0 + α·d1,
  gj = d(j−1) + α·(dj − g(j−1)) for j ≥ 2; the output is g. The map is linear in c: one
  step is g ← g·T + c[i]·e0 with a fixed matrix T, so c[i] reaches the output as e0·T^i
  and ``freqt`` is the product of c with the matrix whose row i is e0·T^i. ``sp2mc`` and
  ``mc2sp`` are linear in log P and in the mel-cepstrum too, so each is one matrix (built
  once per shape and α, cached): a frame costs a matrix-row product, not a Python loop.
- ``sp2mc`` / ``mc2sp``: pysptk (r9y9/pysptk, pysptk/conversion.py): c = irfft(log P) (the
  whole fft-length real cepstrum), c0 halved, ``freqt(c, order, α)``; back, ``freqt(mc,
  fft_size/2, −α)``, c0 doubled, mirrored to the fft length, exp of the real part of its
  rfft. Halving c0 gives SPTK's convention log|H(e^{jω})| = Σ_m c_m cos(m ω̃): the
  coefficients are a cepstrum of the log *amplitude*, ω̃ the warped frequency of the
  all-pass z̃⁻¹ = (z⁻¹ − α) / (1 − α z⁻¹), so the MCD constant (10/ln 10)·√2 applies.
- ``mcep_alpha``: pysptk's ``mcepalpha`` (pysptk/util.py): α on the grid [0, 1) step
  0.001 minimising the mean squared difference between the mel scale
  1000/ln 2 · ln(1 + f/1000) and the all-pass phase curve, both on 1000 points from 0 to
  fs/2 and normalised to end at 1 (0.41 at 16 kHz, 0.455 at 22.05 kHz).
"""

from __future__ import annotations

import functools

import numpy as np


def _warping_phase(alpha: float, omega: np.ndarray) -> np.ndarray:
    """The all-pass phase ω̃(ω) in [0, π] as pysptk writes it (arctan wrapped upwards)."""
    numerator = (1.0 - alpha * alpha) * np.sin(omega)
    denominator = (1.0 + alpha * alpha) * np.cos(omega) - 2.0 * alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        phase = np.arctan(numerator / denominator)
    return np.where(phase < 0, phase + np.pi, phase)


def warped_frequency(omega, alpha: float) -> np.ndarray:
    """ω̃ = ω + 2·arctan(α sin ω / (1 − α cos ω)): where the all-pass z̃⁻¹ = (z⁻¹ − α) /
    (1 − α z⁻¹) maps the linear frequency ω ∈ [0, π] (radians per sample)."""
    omega = np.asarray(omega, dtype=np.float64)
    return omega + 2.0 * np.arctan(alpha * np.sin(omega) / (1.0 - alpha * np.cos(omega)))


def mcep_alpha(sample_rate: float) -> float:
    """The all-pass constant α whose warping best fits the mel scale at ``sample_rate`` (Hz),
    to 3 decimals: pysptk's ``mcepalpha`` grid search (0.41 at 16 kHz, 0.455 at 22.05 kHz)."""
    if not sample_rate > 0:
        raise ValueError(f"sample_rate: expected a positive rate in Hz, got {sample_rate}")
    return _mcep_alpha(float(sample_rate))


@functools.lru_cache(maxsize=16)
def _mcep_alpha(sample_rate: float) -> float:
    points = 1000
    frequency = (sample_rate / 2.0) / points * np.arange(points)
    mel = 1000.0 / np.log(2.0) * np.log1p(frequency / 1000.0)
    mel /= mel[-1]
    omega = np.pi / points * np.arange(points)
    candidates = np.arange(0.0, 1.0, 0.001)
    warped = _warping_phase(candidates[:, None], omega[None, :])
    warped /= warped[:, -1:]
    distances = np.mean((warped - mel) ** 2, axis=1)
    return round(float(candidates[np.argmin(distances)]), 3)


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not -1.0 < alpha < 1.0:
        raise ValueError(f"alpha: expected an all-pass constant in (-1, 1), got {alpha}")
    return alpha


def _check_order(order: int) -> int:
    if isinstance(order, bool) or int(order) != order or order < 0:
        raise ValueError(f"order: expected a non-negative integer, got {order!r}")
    return int(order)


def _freqt_step(g: np.ndarray, alpha: float) -> np.ndarray:
    """One step of SPTK's recursion with a zero input, on a batch of states ``[n, m2 + 1]``."""
    d = g
    new = np.empty_like(d)
    new[:, 0] = alpha * d[:, 0]
    if d.shape[1] > 1:
        new[:, 1] = (1.0 - alpha * alpha) * d[:, 0] + alpha * d[:, 1]
    if d.shape[1] > 2:
        # gj + α·g(j−1) = d(j−1) + α·dj for j ≥ 2: a first-order recursive filter along j
        # started from g1.
        from scipy import signal  # imported when used: ~1.5 s at every tfgan start otherwise

        drive = d[:, 1:-1] + alpha * d[:, 2:]
        new[:, 2:], _ = signal.lfilter([1.0], [1.0, alpha], drive, axis=1,
                                       zi=-alpha * new[:, 1:2])
    return new


@functools.lru_cache(maxsize=32)
def _freqt_matrix(m1: int, m2: int, alpha: float) -> np.ndarray:
    """The ``[m1 + 1, m2 + 1]`` matrix of ``freqt``: row i is e0·T^i (read-only, cached)."""
    transition = _freqt_step(np.eye(m2 + 1), alpha)
    matrix = np.empty((m1 + 1, m2 + 1))
    row = np.zeros(m2 + 1)
    row[0] = 1.0
    for i in range(m1 + 1):
        matrix[i] = row
        row = row @ transition
    matrix.setflags(write=False)
    return matrix


@functools.lru_cache(maxsize=32)
def _sp2mc_matrix(bins: int, order: int, alpha: float) -> np.ndarray:
    """log P ``[bins]`` → mel-cepstrum ``[order + 1]`` as one matrix: the real cepstrum of
    each unit log spectrum (irfft), c0 halved, warped by ``freqt``."""
    cepstra = np.fft.irfft(np.eye(bins), axis=-1)
    cepstra[:, 0] /= 2.0
    matrix = cepstra @ _freqt_matrix(cepstra.shape[1] - 1, order, alpha)
    matrix.setflags(write=False)
    return matrix


@functools.lru_cache(maxsize=32)
def _mc2sp_matrix(order: int, alpha: float, fft_size: int) -> np.ndarray:
    """Mel-cepstrum ``[order + 1]`` → log P ``[fft_size // 2 + 1]`` as one matrix: each unit
    mel-cepstrum warped back by ``freqt`` with −α, c0 doubled, mirrored, rfft's real part."""
    cepstra = np.array(_freqt_matrix(order, fft_size // 2, -alpha))
    cepstra[:, 0] *= 2.0
    symmetric = np.concatenate([cepstra, cepstra[:, -2:0:-1]], axis=1)
    matrix = np.fft.rfft(symmetric, axis=1).real
    matrix.setflags(write=False)
    return matrix


def freqt(c, order: int, alpha: float) -> np.ndarray:
    """SPTK's frequency transform: the cepstrum ``c`` ``[..., m1 + 1]`` warped by the all-pass
    constant ``alpha`` to ``order + 1`` coefficients ``[..., order + 1]`` (alpha 0: truncation
    or zero-padding; ``freqt(freqt(c, M, a), m, -a)`` recovers c as M grows)."""
    c = np.asarray(c, dtype=np.float64)
    if c.ndim == 0 or c.shape[-1] == 0:
        raise ValueError(f"c: expected cepstra [..., coefficients], got shape {c.shape}")
    return c @ _freqt_matrix(c.shape[-1] - 1, _check_order(order), _check_alpha(alpha))


def sp2mc(power_spectrum, order: int, alpha: float) -> np.ndarray:
    """The mel-cepstrum c0..c_order ``[..., order + 1]`` of a power spectral envelope
    ``[..., fft_size // 2 + 1]`` (e.g. CheapTrick's): real cepstrum of log P, c0 halved,
    ``freqt`` with ``alpha``; Σ_m c_m cos(m ω̃) ≈ ½·log P on the warped axis."""
    power = np.asarray(power_spectrum, dtype=np.float64)
    if power.ndim == 0 or power.shape[-1] < 2:
        raise ValueError(f"power_spectrum: expected [..., fft_size // 2 + 1] bins (at least "
                         f"2), got shape {power.shape}")
    if not np.all(power > 0) or not np.all(np.isfinite(power)):
        raise ValueError("power_spectrum: expected finite positive powers (floor the "
                         "envelope before taking its logarithm)")
    matrix = _sp2mc_matrix(power.shape[-1], _check_order(order), _check_alpha(alpha))
    return np.log(power) @ matrix


def mc2sp(mcep, alpha: float, fft_size: int) -> np.ndarray:
    """The power spectral envelope ``[..., fft_size // 2 + 1]`` of a mel-cepstrum
    ``[..., order + 1]`` (the inverse of ``sp2mc``: exact at alpha 0 and full order)."""
    mcep = np.asarray(mcep, dtype=np.float64)
    if int(fft_size) != fft_size or fft_size < 2 or fft_size % 2:
        raise ValueError(f"fft_size: expected an even FFT length >= 2, got {fft_size}")
    if mcep.ndim == 0 or mcep.shape[-1] == 0:
        raise ValueError(f"mcep: expected mel-cepstra [..., order + 1], got shape {mcep.shape}")
    matrix = _mc2sp_matrix(mcep.shape[-1] - 1, _check_alpha(alpha), int(fft_size))
    return np.exp(mcep @ matrix)


__all__ = ["freqt", "mc2sp", "mcep_alpha", "sp2mc", "warped_frequency"]
