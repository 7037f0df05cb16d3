"""Objective speech measures of the speech line (GAN postfilters, voice conversion): pure
numpy functions of feature trajectories, shaped ``[frames, dims]``.

| measure | function (speech.md) |
|---|---|
| mel-cepstral distortion (dB), diagonal or a path | `mel_cepstral_distortion` (§3.1) |
| exact dynamic time warping path, mean distance on it | `dtw_path`, `dtw_distance` (§3.1) |
| MCD on a DTW path (paper style) | `mel_cepstral_distortion_dtw` (§3.1) |
| frames above the silence floor | `speech_frames` (§3.1) |
| global variance, variance-scaling postfilter | `global_variance`, `variance_scaling` (§3.2) |
| the cepstral-emphasis postfilter (Merlin) | `cepstral_emphasis` (§11.5) |
| modulation spectrum, its distance | `modulation_spectrum`, `modulation_spectrum_distance` (§3.3) |
| how over-smoothed inputs are (GV ratio, MSD and its natural floor) | `oversmoothing` (§11.3) |
| log-spectral distance (dB) | `log_spectral_distance` (§3.4) |
| log-F0 transform, F0 errors | `LogF0Transform`, `log_f0_rmse`, `vuv_error` (§3.5, §1.5) |

Sources. MCD = (1/|P|) Σ_{(i,j)∈P} (10/ln 10) √(2 Σ_{d≥1} (c_{i,d} − ĉ_{j,d})²), with c0
excluded, is the formula and constant (10/ln 10)·√2 = 6.141851… of nnmnkwii's ``melcd``
(r9y9/nnmnkwii, nnmnkwii/metrics/__init__.py), and gantts evaluates it on c1.. (r9y9/gantts,
train.py). With SPTK's cepstrum convention, log|H(e^{jω})| = c0 + Σ_{m≥1} c_m cos mω, so
with equal c0 MCD is exactly the RMS over ω ∈ [0, π] of the 20·log10 amplitude difference
(tested). The variance-scaling postfilter follows nnsvs (nnsvs/postfilters.py,
``variance_scaling``, offset 2). The modulation-spectrum distance is this library's
definition (speech.md §3.3, ``[design]``): the papers' DFT length and segmenting are not
confirmed (speech.md §12), so MSD values are comparable within this library only.
Whether the voice-conversion papers excluded c0, aligned with DTW or removed silence is not
confirmed either: ``mel_cepstral_distortion`` does what it is told (a path, a mask) and the
benchmarks state which they use.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from tfgan_suite.audio.alignment import dtw_distance, dtw_path
from tfgan_suite.audio.analysis import speech_frames
from tfgan_suite.audio.prosody import LogF0Transform, voiced_log

#: (10 / ln 10) · √2: the dB factor of MCD.
MCD_CONSTANT = 10.0 / np.log(10.0) * np.sqrt(2.0)


def _frames(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name}: expected a [frames, dims] trajectory, got shape {x.shape}")
    return x


def _check_dims(x: np.ndarray, y: np.ndarray) -> None:
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"the two trajectories have {x.shape[1]} and {y.shape[1]} dimensions; "
                         f"they must have the same")


def frame_distortions(x, y) -> np.ndarray:
    """Per-frame MCD in dB of two frame-synchronous mel-cepstra ``[frames, 1 + order]`` (c0
    first, excluded)."""
    x, y = _frames(x, "x"), _frames(y, "y")
    _check_dims(x, y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} frames and y {y.shape[0]}; pass a path= for "
                         f"sequences of different lengths")
    return MCD_CONSTANT * np.sqrt(np.sum((x[:, 1:] - y[:, 1:]) ** 2, axis=1))


def mel_cepstral_distortion(x, y, path: Optional[Sequence[tuple[int, int]]] = None,
                            mask: Optional[np.ndarray] = None) -> float:
    """Mel-cepstral distortion in dB between mel-cepstra ``x`` and ``y`` (``[frames,
    1 + order]``, c0 first and excluded).

    Args:
        x, y: the two sequences.
        path: frame pairs ``(i, j)`` to compare (an alignment, e.g. ``dtw_path`` of the
            natural source and target applied to a converted source: MCD-fixed); default the
            diagonal of two equal-length sequences.
        mask: booleans over the pairs (or over the frames, for the diagonal): the pairs to
            keep, e.g. ``speech_frames`` of the target.
    """
    x, y = _frames(x, "x"), _frames(y, "y")
    _check_dims(x, y)
    if path is None:
        distortions = frame_distortions(x, y)
    else:
        pairs = np.asarray(path, dtype=np.int64).reshape(-1, 2)
        distortions = frame_distortions(x[pairs[:, 0]], y[pairs[:, 1]])
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != distortions.shape:
            raise ValueError(f"mask: {mask.shape[0] if mask.ndim else 0} entries for "
                             f"{distortions.shape[0]} compared frames")
        distortions = distortions[mask]
    if distortions.size == 0:
        raise ValueError("no frame left to compare (an empty path, or a mask with none kept)")
    return float(np.mean(distortions))


def mel_cepstral_distortion_dtw(x, y) -> float:
    """MCD in dB averaged over the DTW path of ``x`` and ``y`` on c1.. (the papers' style;
    for equal lengths never above the diagonal MCD: the path minimises the summed distance
    and is at least as long)."""
    x, y = _frames(x, "x"), _frames(y, "y")
    return mel_cepstral_distortion(x, y, path=dtw_path(x[:, 1:], y[:, 1:]))


def global_variance(trajectory) -> np.ndarray:
    """Per-dimension variance over time of one utterance, ``[dims]`` (average it over
    utterances for a speaker's GV)."""
    return np.var(_frames(trajectory, "trajectory"), axis=0)


def variance_scaling(trajectory, target_gv, offset: int = 2) -> np.ndarray:
    """The GV postfilter: dimensions ``offset..`` rescaled around their utterance mean so
    their variance becomes ``target_gv`` (nnsvs: offset 2 leaves c0 and c1 alone)."""
    x = _frames(trajectory, "trajectory")
    target_gv = np.asarray(target_gv, dtype=np.float64)
    if target_gv.shape != (x.shape[1],):
        raise ValueError(f"target_gv: expected {x.shape[1]} variances, got {target_gv.shape}")
    out = x.copy()
    mean, variance = x.mean(axis=0), x.var(axis=0)
    scale = np.sqrt(target_gv[offset:] / np.maximum(variance[offset:], 1e-12))
    out[:, offset:] = scale * (x[:, offset:] - mean[offset:]) + mean[offset:]
    return out


def cepstral_emphasis(mcep, alpha: float, coefficient: float = 1.4, first: int = 2,
                      fft_size: int = 1024) -> np.ndarray:
    """Merlin's postfilter: c_first.. multiplied by ``coefficient`` (formant emphasis), then
    c0 moved by ½·log(E/E′) so each frame keeps its energy E = mean power of its envelope
    (nnmnkwii ``merlin_post_filter``: coef 1.4 from c2, the energy by the zeroth
    autocorrelation; here by ``audio.sptk.mc2sp``'s power envelope, the same quantity by
    Parseval). ``mcep``: ``[frames, 1 + order]``, c0 first."""
    from tfgan_suite.audio.sptk import mc2sp

    x = _frames(mcep, "mcep")
    emphasised = x.copy()
    emphasised[:, first:] *= coefficient
    energy = mc2sp(x, alpha, fft_size).mean(axis=1)
    emphasised_energy = mc2sp(emphasised, alpha, fft_size).mean(axis=1)
    emphasised[:, 0] += 0.5 * np.log(energy / emphasised_energy)
    return emphasised


def modulation_spectrum(trajectories: Sequence, segment: int = 128, hop: int = 64,
                        eps: float = 1e-10) -> np.ndarray:
    """log10 modulation spectrum ``[dims, segment // 2 + 1]`` of one or more utterances:
    each mean-removed trajectory cut into Hann-windowed segments of ``segment`` frames every
    ``hop``, the power of their ``segment``-point DFT averaged over every segment of every
    utterance (an utterance shorter than a segment is zero-padded to one)."""
    if isinstance(trajectories, np.ndarray) and trajectories.ndim == 2:
        trajectories = [trajectories]
    window = np.hanning(segment)[:, None]
    total, count = None, 0
    for trajectory in trajectories:
        x = _frames(trajectory, "trajectory")
        x = x - x.mean(axis=0)
        if len(x) < segment:
            x = np.pad(x, ((0, segment - len(x)), (0, 0)))
        for start in range(0, len(x) - segment + 1, hop):
            power = np.abs(np.fft.rfft(x[start:start + segment] * window, axis=0)) ** 2
            total = power if total is None else total + power
            count += 1
    if total is None:
        raise ValueError("modulation_spectrum: no utterance given")
    return np.log10(total.T / count + eps)


def modulation_spectrum_distance(converted: Sequence, target: Sequence, **options) -> float:
    """MSD: the RMS difference of the two log10 modulation spectra over dimensions and
    modulation frequencies (distributions of utterances: no alignment)."""
    a = modulation_spectrum(converted, **options)
    b = modulation_spectrum(target, **options)
    if a.shape != b.shape:
        raise ValueError(f"the modulation spectra have shapes {a.shape} and {b.shape}; the "
                         f"trajectories need the same dimensions")
    return float(np.sqrt(np.mean((a - b) ** 2)))


def oversmoothing(inputs: Sequence[np.ndarray], targets: Sequence[np.ndarray],
              first: int = 10) -> dict:
    """How over-smoothed ``inputs`` are against their natural ``targets`` (speech.md
    §11.3's precondition): ``gv_ratio`` — mean over dimensions ``first``.. of
    GV(input) / GV(target), each averaged over utterances; ``msd`` — the modulation-spectrum
    distance of the inputs to the targets over those dimensions; ``msd_floor`` — the same
    distance between the two halves of the targets (every other utterance), natural
    against natural. Any units; standardised pairs give the same ratios."""
    if len(targets) < 2:
        raise ValueError(f"targets: expected at least two utterances, got {len(targets)}")
    gv_in = np.mean([global_variance(x)[first:] for x in inputs], axis=0)
    gv_target = np.mean([global_variance(y)[first:] for y in targets], axis=0)
    upper = [np.asarray(y)[:, first:] for y in targets]
    return {"gv_ratio": float(np.mean(gv_in / gv_target)),
            "msd": modulation_spectrum_distance(
                [np.asarray(x)[:, first:] for x in inputs], upper),
            "msd_floor": modulation_spectrum_distance(upper[0::2], upper[1::2]),
            "dims": f"{first}..{len(gv_target) + first - 1}"}


def log_spectral_distance(amplitude, reference, eps: float = 1e-10) -> float:
    """LSD in dB of two aligned amplitude spectrograms ``[frames, bins]``: the mean over
    frames of the RMS over bins of the 20·log10 amplitude difference."""
    a, b = _frames(amplitude, "amplitude"), _frames(reference, "reference")
    if a.shape != b.shape:
        raise ValueError(f"amplitude {a.shape} and reference {b.shape} differ in shape")
    difference = 20.0 * (np.log10(np.maximum(a, eps)) - np.log10(np.maximum(b, eps)))
    return float(np.mean(np.sqrt(np.mean(difference ** 2, axis=1))))


def log_f0_rmse(f0, reference) -> float:
    """RMS difference of log F0 over the frames voiced in both tracks (nan when none is)."""
    voiced_a, log_a = voiced_log(f0)
    voiced_b, log_b = voiced_log(reference)
    if voiced_a.shape != voiced_b.shape:
        raise ValueError(f"f0 tracks of {voiced_a.shape} and {voiced_b.shape} frames")
    both = voiced_a & voiced_b
    return float(np.sqrt(np.mean((log_a[both] - log_b[both]) ** 2))) if both.any() else np.nan


def vuv_error(f0, reference) -> float:
    """The fraction of frames whose voiced / unvoiced decision differs."""
    voiced_a, _ = voiced_log(f0)
    voiced_b, _ = voiced_log(reference)
    if voiced_a.shape != voiced_b.shape:
        raise ValueError(f"f0 tracks of {voiced_a.shape} and {voiced_b.shape} frames")
    return float(np.mean(voiced_a != voiced_b))


__all__ = ["MCD_CONSTANT", "LogF0Transform", "cepstral_emphasis", "dtw_distance", "dtw_path",
           "frame_distortions",
           "global_variance", "log_f0_rmse", "log_spectral_distance",
           "mel_cepstral_distortion", "mel_cepstral_distortion_dtw", "modulation_spectrum",
           "modulation_spectrum_distance", "oversmoothing", "speech_frames", "variance_scaling",
           "vuv_error"]
