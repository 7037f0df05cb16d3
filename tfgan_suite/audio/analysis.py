"""The one analysis every speech system is measured with (speech.md §1.3, §3): WORLD at a
5 ms frame period (F0 by DIO + StoneMask by default, CheapTrick's power envelope, D4C's
aperiodicity), and the SPTK mel-cepstrum c0..c_order of the CheapTrick envelope with the
all-pass α of the sample rate (0.41 at 16 kHz; ``sptk.mcep_alpha``). Never WORLD's coded
envelope: its scale differs and MCD on it is not comparable with published values.

``synthesise`` inverts it: the mel-cepstrum back to a power envelope (``sptk.mc2sp`` at the
CheapTrick FFT size, taken from the aperiodicity's bins), then WORLD synthesis. A converted
waveform is scored by ``analyse``-ing it again, exactly like the natural speech.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from tfgan_suite.audio import io, sptk, world

#: The library's mel-cepstrum order: c0..c24 stored (speech.md §1.4).
MCEP_ORDER = 24
#: The WORLD frame period in ms.
FRAME_PERIOD = 5.0


@dataclasses.dataclass(frozen=True, eq=False)
class Analysis:
    """One utterance analysed: ``f0`` ``[T]`` (Hz, 0 = unvoiced), ``mcep`` ``[T, order + 1]``
    (SPTK mel-cepstrum, c0 first), ``ap`` ``[T, bins]`` (D4C aperiodicity), with the
    ``sample_rate`` (Hz), ``frame_period`` (ms) and all-pass ``alpha`` they were made with."""

    f0: np.ndarray
    mcep: np.ndarray
    ap: np.ndarray
    sample_rate: int
    frame_period: float
    alpha: float

    def __post_init__(self):
        frames = {len(np.asarray(self.f0)), len(np.asarray(self.mcep)), len(np.asarray(self.ap))}
        if len(frames) != 1 or np.ndim(self.mcep) != 2 or np.ndim(self.ap) != 2:
            raise ValueError(f"Analysis: expected f0 [T], mcep [T, order + 1] and ap [T, bins] "
                             f"with one T, got shapes {np.shape(self.f0)}, "
                             f"{np.shape(self.mcep)} and {np.shape(self.ap)}")

    @property
    def frames(self) -> int:
        """The number of frames T."""
        return len(self.f0)

    @property
    def order(self) -> int:
        """The mel-cepstrum order (``mcep`` has ``order + 1`` columns)."""
        return self.mcep.shape[1] - 1


def analyse(wave, sample_rate: int = io.SAMPLE_RATE, order: int = MCEP_ORDER,
            f0_method: str = "dio") -> Analysis:
    """The analysis of ``wave`` ``[samples]`` at ``sample_rate`` Hz: WORLD at 5 ms frames,
    F0 by ``f0_method`` (``"dio"``: DIO + StoneMask, or ``"harvest"``), and the SPTK
    mel-cepstrum of order ``order`` of the CheapTrick envelope with α =
    ``mcep_alpha(sample_rate)``. An empty, silent or non-mono wave is a ``ValueError``."""
    wave = io.check_speech(wave, sample_rate, name="wave")
    alpha = sptk.mcep_alpha(sample_rate)
    f0, sp, ap = world.analyse_world(wave, sample_rate, FRAME_PERIOD, f0_method=f0_method)
    # CheapTrick keeps a tiny floor of its own; this one only guards the logarithm.
    mcep = sptk.sp2mc(np.maximum(sp, np.finfo(np.float64).tiny), order, alpha)
    return Analysis(f0=f0, mcep=mcep, ap=ap, sample_rate=int(sample_rate),
                    frame_period=FRAME_PERIOD, alpha=alpha)


def synthesise(f0, mcep, ap, sample_rate: int = io.SAMPLE_RATE, alpha: Optional[float] = None,
               frame_period: float = FRAME_PERIOD) -> np.ndarray:
    """The waveform of ``f0`` ``[T]``, ``mcep`` ``[T, order + 1]`` and ``ap`` ``[T, bins]``:
    the mel-cepstrum (all-pass ``alpha``, default ``mcep_alpha(sample_rate)``) back to a
    power envelope of ``ap``'s bins, then WORLD synthesis."""
    mcep = np.asarray(mcep, dtype=np.float64)
    ap = np.asarray(ap, dtype=np.float64)
    if mcep.ndim != 2:
        raise ValueError(f"mcep: expected mel-cepstra [frames, order + 1], got shape "
                         f"{mcep.shape}")
    if ap.ndim != 2 or ap.shape[1] < 2:
        raise ValueError(f"ap: expected an aperiodicity [frames, bins], got shape {ap.shape}")
    alpha = sptk.mcep_alpha(sample_rate) if alpha is None else alpha
    sp = sptk.mc2sp(mcep, alpha, 2 * (ap.shape[1] - 1))
    return world.synthesise_world(f0, sp, ap, sample_rate, frame_period)


def speech_frames(mcep, floor_db: float = 40.0) -> np.ndarray:
    """Frames whose c0 power lies within ``floor_db`` of the utterance's loudest frame (the
    others count as silence): c0 in dB is 20·c0 / ln 10. ``mcep``: ``[frames, dims]``."""
    mcep = np.asarray(mcep, dtype=np.float64)
    if mcep.ndim != 2 or len(mcep) == 0:
        raise ValueError(f"mcep: expected a non-empty [frames, dims] array, got shape "
                         f"{mcep.shape}")
    power_db = 20.0 / np.log(10.0) * mcep[:, 0]
    return power_db >= power_db.max() - floor_db


__all__ = ["FRAME_PERIOD", "MCEP_ORDER", "Analysis", "analyse", "speech_frames", "synthesise"]
