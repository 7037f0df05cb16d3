"""Waveforms in and out: mono float64 in [-1, 1] at ``SAMPLE_RATE`` (16 kHz, the corpus rate,
speech.md §1.1, §11), 16-bit PCM WAV files, and the clean-up every rendered or recorded
utterance goes through (silence trimmed, loudness normalised, sanity checked).

- Reading resamples a file of another rate with ``scipy.signal.resample_poly`` at the
  reduced ratio (polyphase, Kaiser-windowed anti-aliasing filter) and says so once per
  process per rate on the ``tfgan_suite`` logger; a file with two channels is refused (a
  mixdown is the caller's choice: ``sox in.wav -c 1 out.wav``).
- Silence: a frame of 20 ms every 5 ms is speech when its RMS is within ``top_db`` of the
  loudest frame's; the wave is cut to the first and last speech frames, widened by
  ``pad_seconds`` on each side where the wave allows.
- Loudness: RMS to ``target_dbfs`` (dBFS = 20·log10 RMS, full scale ±1, so a full-scale
  square wave is 0 dBFS; −23 echoes EBU R 128's programme level, without its K-weighting),
  then scaled down if needed so that no sample exceeds ``PEAK_LIMIT`` (0.99).
"""

from __future__ import annotations

import io
import logging
import math
import os
from typing import Union

import numpy as np
import soundfile

#: The corpus sample rate in Hz.
SAMPLE_RATE = 16000
#: The largest sample magnitude ``rms_normalise`` leaves.
PEAK_LIMIT = 0.99
#: A wave whose peak stays below one 16-bit step is silent.
SILENCE_PEAK = 2.0 ** -15
_SILENCE_FRAME_SECONDS = 0.020
_SILENCE_HOP_SECONDS = 0.005
_LOGGER = logging.getLogger("tfgan_suite")
_RESAMPLED_RATES: set[int] = set()

PathLike = Union[str, os.PathLike]


def check_speech(wave, sample_rate: int = SAMPLE_RATE, name: str = "wave",
                 min_seconds: float = 0.0) -> np.ndarray:
    """``wave`` as a float64 mono waveform ``[samples]``, or a one-line ``ValueError`` naming
    ``name``: not 1-D, empty, not finite, silent (peak below one 16-bit step) or shorter
    than ``min_seconds``."""
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim != 1:
        raise ValueError(f"{name}: expected a mono waveform [samples], got shape {wave.shape}")
    if wave.size == 0:
        raise ValueError(f"{name}: empty waveform (0 samples)")
    if not np.all(np.isfinite(wave)):
        raise ValueError(f"{name}: waveform has non-finite samples (nan or inf)")
    peak = float(np.max(np.abs(wave)))
    if peak < SILENCE_PEAK:
        raise ValueError(f"{name}: silent waveform (peak {peak:.3g}, below one 16-bit step)")
    if wave.size < min_seconds * sample_rate:
        raise ValueError(f"{name}: {wave.size / sample_rate:.3f} s long; at least "
                         f"{min_seconds} s is needed")
    return wave


def resample(wave, rate_in: int, rate_out: int) -> np.ndarray:
    """``wave`` ``[samples]`` from ``rate_in`` to ``rate_out`` Hz (polyphase filtering at the
    reduced ratio rate_out/rate_in; a copy when the rates agree)."""
    wave = np.asarray(wave, dtype=np.float64)
    for label, rate in (("rate_in", rate_in), ("rate_out", rate_out)):
        if int(rate) != rate or rate <= 0:
            raise ValueError(f"{label}: expected a positive integer rate in Hz, got {rate}")
    rate_in, rate_out = int(rate_in), int(rate_out)
    if rate_in == rate_out:
        return wave.copy()
    from scipy import signal  # here: scipy.signal takes ~1.5 s to import, every tfgan start

    common = math.gcd(rate_in, rate_out)
    return signal.resample_poly(wave, rate_out // common, rate_in // common, axis=-1)


def read_wav(path: PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The mono waveform of the audio file at ``path`` as float64 in [-1, 1], resampled to
    ``sample_rate`` if the file has another rate (logged once per rate)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such audio file")
    try:
        wave, rate = soundfile.read(os.fspath(path), dtype="float64", always_2d=True)
    except soundfile.LibsndfileError as error:
        raise ValueError(f"{path}: not a readable audio file ({error})") from None
    if wave.shape[1] != 1:
        raise ValueError(f"{path}: {wave.shape[1]} channels; expected mono (mix it down, e.g. "
                         f"sox in.wav -c 1 out.wav)")
    wave = wave[:, 0]
    if rate != sample_rate:
        if rate not in _RESAMPLED_RATES:
            _RESAMPLED_RATES.add(rate)
            _LOGGER.warning("resampling audio files at %d Hz to %d Hz (first: %s)", rate,
                            sample_rate, path)
        wave = resample(wave, rate, sample_rate)
    return wave


def _pcm16(wave) -> np.ndarray:
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim != 1:
        raise ValueError(f"wave: expected a mono waveform [samples], got shape {wave.shape}")
    if not np.all(np.isfinite(wave)):
        raise ValueError("wave: waveform has non-finite samples (nan or inf)")
    # A 16-bit file holds [-1, 1); what lies beyond clips, as it would on any PCM device.
    return np.clip(wave, -1.0, 1.0)


def write_wav(path: PathLike, wave, sample_rate: int = SAMPLE_RATE) -> None:
    """Write ``wave`` ``[samples]`` (float in [-1, 1]; beyond clips) to ``path`` as a 16-bit
    PCM mono WAV file at ``sample_rate``."""
    soundfile.write(os.fspath(path), _pcm16(wave), int(sample_rate), subtype="PCM_16",
                    format="WAV")


def wav_bytes(wave, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A complete 16-bit PCM mono WAV file of ``wave`` in memory (e.g. for an HTML
    ``<audio>`` element or a TensorBoard summary)."""
    buffer = io.BytesIO()
    soundfile.write(buffer, _pcm16(wave), int(sample_rate), subtype="PCM_16", format="WAV")
    return buffer.getvalue()


def _frame_rms_db(wave: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """RMS in dB of the frames ``[start, start + frame)`` at starts 0, hop, ... (the last
    frame is shortened to the wave)."""
    starts = np.arange(0, max(wave.size - frame, 0) + 1, hop)
    cumulative = np.concatenate([[0.0], np.cumsum(wave * wave)])
    ends = np.minimum(starts + frame, wave.size)
    mean_square = (cumulative[ends] - cumulative[starts]) / (ends - starts)
    return 10.0 * np.log10(np.maximum(mean_square, 1e-20))


def trim_silence(wave, sample_rate: int = SAMPLE_RATE, top_db: float = 30.0,
                 pad_seconds: float = 0.05) -> np.ndarray:
    """``wave`` cut to its speech: from the first to the last 20 ms frame whose RMS is within
    ``top_db`` of the loudest frame's, with ``pad_seconds`` kept on each side (where the wave
    has them). A silent wave is a ``ValueError``."""
    wave = check_speech(wave, sample_rate)
    frame = max(1, round(_SILENCE_FRAME_SECONDS * sample_rate))
    hop = max(1, round(_SILENCE_HOP_SECONDS * sample_rate))
    level = _frame_rms_db(wave, frame, hop)
    loud = np.flatnonzero(level >= level.max() - top_db)
    pad = round(pad_seconds * sample_rate)
    start = max(0, loud[0] * hop - pad)
    end = min(wave.size, loud[-1] * hop + frame + pad)
    return wave[start:end].copy()


def rms_normalise(wave, target_dbfs: float = -23.0) -> np.ndarray:
    """``wave`` scaled to an RMS of ``target_dbfs`` dBFS (20·log10 RMS), or less if that
    would put a sample above ``PEAK_LIMIT``. A silent wave is a ``ValueError``."""
    wave = check_speech(wave)
    gain = 10.0 ** (target_dbfs / 20.0) / np.sqrt(np.mean(wave * wave))
    gain = min(gain, PEAK_LIMIT / np.max(np.abs(wave)))
    return wave * gain


def input_files(source_path: str, extensions: tuple[str, ...] = (".wav",)) -> list[str]:
    """``source_path`` itself (a file with one of ``extensions``) or the files of the
    directory it names that have one, sorted; one-line errors for ``--in`` otherwise."""
    names = " or ".join(extensions)
    if os.path.isdir(source_path):
        files = sorted(os.path.join(source_path, f) for f in os.listdir(source_path)
                       if f.lower().endswith(extensions))
        if not files:
            raise ValueError(f"in: {source_path} holds no {names} files")
        return files
    if os.path.isfile(source_path):
        if not source_path.lower().endswith(extensions):
            raise ValueError(f"in: expected a {names} file (or a directory of them), got "
                             f"{source_path}")
        return [source_path]
    raise FileNotFoundError(f"in: {source_path}: no such file or directory")


__all__ = ["PEAK_LIMIT", "SAMPLE_RATE", "check_speech", "input_files", "read_wav", "resample",
           "rms_normalise", "trim_silence", "wav_bytes", "write_wav"]
