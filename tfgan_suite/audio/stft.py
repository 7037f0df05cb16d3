"""Short-time Fourier transform features for the STFT postfilter (speech.md §5, §3.4): the
natural-log amplitude spectrogram of a waveform, and Griffin–Lim phase reconstruction back
to a waveform. numpy / scipy only.

Framing: a periodic Hann window of ``frame_length`` samples every ``frame_step``, each frame
zero-padded to ``fft_length``; frames are centred (the wave is zero-padded by half a frame
at each end), so frame t is centred on sample t · frame_step and a wave of n samples has
⌊n / frame_step⌋ + 1 frames — at the defaults (25 ms / 5 ms / 512 at 16 kHz) the same frames
as the WORLD analysis. Amplitudes below ``AMPLITUDE_FLOOR`` (−100 dB) are floored before the
logarithm.

Griffin–Lim: D. W. Griffin, J. S. Lim, "Signal estimation from modified short-time Fourier
transform", IEEE Trans. ASSP 32(2), 1984 — alternate projections between the given
magnitudes and consistent spectrograms, the inverse STFT by least-squares overlap-add
(Σ window · frame / Σ window²); with the momentum 0.99 of the "fast Griffin–Lim" of
N. Perraudin, P. Balazs, P. L. Søndergaard, "A fast Griffin-Lim algorithm", WASPAA 2013
(librosa's default too). The initial phases are uniform random from ``seed``.
"""

from __future__ import annotations

import numpy as np

#: Amplitudes are floored here before the logarithm (−100 dB).
AMPLITUDE_FLOOR = 1e-5
#: The fast Griffin–Lim momentum (Perraudin et al. 2013).
GRIFFIN_LIM_MOMENTUM = 0.99


def _check_framing(frame_length: int, frame_step: int, fft_length: int) -> None:
    if not 0 < frame_length <= fft_length or frame_step < 1:
        raise ValueError(f"frame_length, frame_step, fft_length: expected 0 < frame_length <= "
                         f"fft_length and frame_step >= 1, got {frame_length}, {frame_step} "
                         f"and {fft_length}")


def _window(frame_length: int) -> np.ndarray:
    from scipy import signal  # imported when used: ~1.5 s at every tfgan start otherwise

    return signal.get_window("hann", frame_length, fftbins=True)


def _stft(wave: np.ndarray, frame_length: int, frame_step: int, fft_length: int) -> np.ndarray:
    """Complex STFT ``[⌊n / frame_step⌋ + 1, fft_length // 2 + 1]`` of centred frames."""
    left = frame_length // 2
    padded = np.pad(wave, (left, frame_length - left))
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::frame_step]
    frames = frames[:len(wave) // frame_step + 1]
    return np.fft.rfft(frames * _window(frame_length), n=fft_length, axis=-1)


def _istft(spectrum: np.ndarray, frame_length: int, frame_step: int,
           fft_length: int) -> np.ndarray:
    """Least-squares overlap-add inverse of ``_stft``: ``(frames − 1) · frame_step``
    samples."""
    frames = len(spectrum)
    window = _window(frame_length)
    pieces = np.fft.irfft(spectrum, n=fft_length, axis=-1)[:, :frame_length] * window
    index = (np.arange(frames)[:, None] * frame_step + np.arange(frame_length)).ravel()
    length = (frames - 1) * frame_step + frame_length
    summed = np.bincount(index, weights=pieces.ravel(), minlength=length)
    weight = np.bincount(index, weights=np.tile(window * window, frames), minlength=length)
    wave = np.where(weight > 1e-8, summed / np.maximum(weight, 1e-8), 0.0)
    left = frame_length // 2
    return wave[left:left + (frames - 1) * frame_step]


def log_stft_magnitude(wave, frame_length: int = 400, frame_step: int = 80,
                       fft_length: int = 512) -> np.ndarray:
    """Natural-log amplitude spectrogram ``[⌊n / frame_step⌋ + 1, fft_length // 2 + 1]`` of
    ``wave`` ``[n]``: centred Hann-windowed frames, |rfft| floored at ``AMPLITUDE_FLOOR``."""
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim != 1 or wave.size == 0:
        raise ValueError(f"wave: expected a non-empty mono waveform [samples], got shape "
                         f"{wave.shape}")
    _check_framing(frame_length, frame_step, fft_length)
    amplitude = np.abs(_stft(wave, frame_length, frame_step, fft_length))
    return np.log(np.maximum(amplitude, AMPLITUDE_FLOOR))


def with_phase_of(log_magnitude, wave, frame_length: int = 400, frame_step: int = 80,
                  fft_length: int = 512) -> np.ndarray:
    """The waveform of natural-log amplitudes ``log_magnitude`` (``log_stft_magnitude``'s
    shape for ``wave``) with the phase of ``wave``'s own STFT: how a postfiltered
    spectrogram is heard (speech.md §5) without Griffin–Lim's phase errors."""
    wave = np.asarray(wave, dtype=np.float64)
    _check_framing(frame_length, frame_step, fft_length)
    spectrum = _stft(wave, frame_length, frame_step, fft_length)
    log_magnitude = np.asarray(log_magnitude, dtype=np.float64)
    if log_magnitude.shape != spectrum.shape:
        raise ValueError(f"log_magnitude: expected the wave's spectrogram shape "
                         f"{spectrum.shape}, got {log_magnitude.shape}")
    phase = np.exp(1j * np.angle(spectrum))
    return _istft(np.exp(log_magnitude) * phase, frame_length, frame_step, fft_length)


def griffin_lim(log_magnitude, frame_length: int = 400, frame_step: int = 80,
                fft_length: int = 512, iterations: int = 60, seed: int = 0) -> np.ndarray:
    """A waveform ``[(T − 1) · frame_step]`` whose log-STFT approximates ``log_magnitude``
    ``[T, fft_length // 2 + 1]`` (as ``log_stft_magnitude`` makes it): fast Griffin–Lim for
    ``iterations`` rounds from uniform random phases drawn with ``seed`` (deterministic)."""
    log_magnitude = np.asarray(log_magnitude, dtype=np.float64)
    _check_framing(frame_length, frame_step, fft_length)
    bins = fft_length // 2 + 1
    if log_magnitude.ndim != 2 or log_magnitude.shape[1] != bins or len(log_magnitude) < 2:
        raise ValueError(f"log_magnitude: expected [frames >= 2, {bins}] (fft_length "
                         f"{fft_length}), got shape {log_magnitude.shape}")
    if iterations < 0:
        raise ValueError(f"iterations: expected a non-negative count, got {iterations}")
    magnitude = np.exp(log_magnitude)
    phase = np.exp(2j * np.pi * np.random.default_rng(seed).random(magnitude.shape))
    framing = (frame_length, frame_step, fft_length)
    previous = np.zeros_like(phase)
    for _ in range(iterations):
        rebuilt = _stft(_istft(magnitude * phase, *framing), *framing)
        phase = rebuilt - GRIFFIN_LIM_MOMENTUM / (1.0 + GRIFFIN_LIM_MOMENTUM) * previous
        phase /= np.abs(phase) + 1e-16
        previous = rebuilt
    return _istft(magnitude * phase, *framing)


__all__ = ["AMPLITUDE_FLOOR", "GRIFFIN_LIM_MOMENTUM", "griffin_lim", "log_stft_magnitude",
           "with_phase_of"]
