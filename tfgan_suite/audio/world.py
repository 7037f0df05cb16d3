"""The WORLD vocoder through pyworld (speech.md §1.1, §1.3): F0 by DIO refined by StoneMask
(default) or by Harvest, the spectral envelope by CheapTrick, the aperiodicity by D4C, and
synthesis back to a waveform; plus WORLD's own envelope codec ("coded SP"), which some
reimplementations feed to their networks — a DCT of the log envelope on a mel axis, **not**
an SPTK mel-cepstrum (``tfgan_suite.audio.sptk``), and never what metrics are computed on.

Sources: M. Morise, F. Yokomori, K. Ozawa, "WORLD: a vocoder-based high-quality speech
synthesis system for real-time applications", IEICE Trans. Inf. Syst. E99-D(7), 2016;
pyworld (JeremyCCHsu/Python-Wrapper-for-World-Vocoder, pyworld/pyworld.pyx) for the call
signatures and defaults (f0_floor 71 Hz, f0_ceil 800 Hz, 5 ms frames, CheapTrick q1 −0.15,
D4C threshold 0.85); CheapTrick's FFT size 2^(1 + ⌊log2(3·fs / f0_floor + 1)⌋) from
mmorise/World, src/cheaptrick.cpp ``GetFFTSizeForCheapTrick`` (1024 at 16 and 22.05 kHz).
CheapTrick and D4C are given the same FFT size, so the envelope and the aperiodicity have
the same bins (pyworld's D4C would otherwise take the size of the default F0 floor).

Arrays: waves ``[samples]``; f0 ``[frames]`` in Hz, 0 = unvoiced; sp (power envelope) and
ap (aperiodicity in [0, 1]) ``[frames, fft_size // 2 + 1]``; frames = ⌊samples / (fs ·
frame_period / 1000)⌋ + 1 (frame t centred at t · frame_period). pyworld takes float64
C-contiguous arrays only; every function here converts. pyworld is imported when first
needed, so ``import tfgan_suite.audio`` works without it.
"""

from __future__ import annotations

import math

import numpy as np

F0_METHODS = ("dio", "harvest")
_MISSING = "the speech front end needs WORLD: pip install pyworld-prebuilt"


def _pyworld():
    try:
        import pyworld
    except ImportError:
        raise ImportError(_MISSING) from None
    return pyworld


def _float64(array, name: str, axes: str) -> np.ndarray:
    """``array`` as pyworld takes it (float64, C-contiguous), checked to have ``axes``."""
    array = np.ascontiguousarray(array, dtype=np.float64)
    if array.ndim != axes.count(",") + 1:
        raise ValueError(f"{name}: expected an array {axes}, got shape {array.shape}")
    return array


def cheaptrick_fft_size(sample_rate: int, f0_floor: float = 71.0) -> int:
    """CheapTrick's FFT length at ``sample_rate`` Hz: 2^(1 + ⌊log2(3·fs / f0_floor + 1)⌋), the
    smallest power of two holding three periods of the lowest F0 (1024 at 16 kHz)."""
    if not sample_rate > 0 or not f0_floor > 0:
        raise ValueError(f"sample_rate and f0_floor: expected positive values in Hz, got "
                         f"{sample_rate} and {f0_floor}")
    return 2 ** (1 + int(math.floor(math.log2(3.0 * sample_rate / f0_floor + 1.0))))


def analyse_world(wave, sample_rate: int = 16000, frame_period: float = 5.0,
                  f0_method: str = "dio", f0_floor: float = 71.0,
                  f0_ceil: float = 800.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WORLD analysis of ``wave`` ``[samples]``: ``(f0 [T], sp [T, bins], ap [T, bins])``
    with F0 from DIO + StoneMask (``f0_method="dio"``) or Harvest (``"harvest"``), the power
    envelope from CheapTrick and the aperiodicity from D4C, ``bins`` =
    ``cheaptrick_fft_size(sample_rate, f0_floor) // 2 + 1``."""
    if f0_method not in F0_METHODS:
        raise ValueError(f"f0_method: expected one of {', '.join(F0_METHODS)}, got "
                         f"{f0_method!r}")
    if not 0 < f0_floor < f0_ceil:
        raise ValueError(f"f0_floor, f0_ceil: expected 0 < f0_floor < f0_ceil, got {f0_floor} "
                         f"and {f0_ceil}")
    pyworld = _pyworld()
    wave = _float64(wave, "wave", "[samples]")
    sample_rate = int(sample_rate)
    if f0_method == "dio":
        f0, times = pyworld.dio(wave, sample_rate, f0_floor=f0_floor, f0_ceil=f0_ceil,
                                frame_period=frame_period)
        f0 = pyworld.stonemask(wave, f0, times, sample_rate)
    else:
        f0, times = pyworld.harvest(wave, sample_rate, f0_floor=f0_floor, f0_ceil=f0_ceil,
                                    frame_period=frame_period)
    fft_size = cheaptrick_fft_size(sample_rate, f0_floor)
    sp = pyworld.cheaptrick(wave, f0, times, sample_rate, fft_size=fft_size)
    ap = pyworld.d4c(wave, f0, times, sample_rate, fft_size=fft_size)
    return f0, sp, ap


def synthesise_world(f0, sp, ap, sample_rate: int = 16000,
                     frame_period: float = 5.0) -> np.ndarray:
    """The waveform WORLD synthesises from ``f0`` ``[T]`` (Hz, 0 = unvoiced), the power
    envelope ``sp`` and the aperiodicity ``ap`` (both ``[T, fft_size // 2 + 1]``)."""
    f0 = _float64(f0, "f0", "[frames]")
    sp, ap = _float64(sp, "sp", "[frames, bins]"), _float64(ap, "ap", "[frames, bins]")
    if not (len(f0) == len(sp) == len(ap)) or sp.shape != ap.shape:
        raise ValueError(f"f0 {f0.shape}, sp {sp.shape} and ap {ap.shape}: expected [T], "
                         f"[T, bins] and [T, bins] with the same T and bins")
    if len(f0) == 0:
        raise ValueError("f0: no frame to synthesise (0 frames)")
    return _pyworld().synthesize(f0, sp, ap, int(sample_rate), frame_period)


def code_spectral_envelope(sp, sample_rate: int, dims: int) -> np.ndarray:
    """WORLD's coded envelope ``[T, dims]`` of the power envelope ``sp`` ``[T, bins]``: the
    log envelope on a mel axis, DCT'd and truncated (speech.md §1.3; not an SPTK
    mel-cepstrum — its scale differs, so no MCD on it)."""
    sp = _float64(sp, "sp", "[frames, bins]")
    if int(dims) != dims or not 0 < dims < sp.shape[1]:
        raise ValueError(f"dims: expected an integer in 1..{sp.shape[1] - 1}, got {dims}")
    return _pyworld().code_spectral_envelope(sp, int(sample_rate), int(dims))


def decode_spectral_envelope(coded, sample_rate: int, fft_size: int) -> np.ndarray:
    """The power envelope ``[T, fft_size // 2 + 1]`` of a WORLD-coded envelope ``[T, dims]``
    (``code_spectral_envelope``'s inverse up to the truncation)."""
    coded = _float64(coded, "coded", "[frames, dims]")
    if int(fft_size) != fft_size or fft_size < 2 or fft_size % 2:
        raise ValueError(f"fft_size: expected an even FFT length, got {fft_size}")
    return _pyworld().decode_spectral_envelope(coded, int(sample_rate), int(fft_size))


__all__ = ["F0_METHODS", "analyse_world", "cheaptrick_fft_size", "code_spectral_envelope",
           "decode_spectral_envelope", "synthesise_world"]
