"""The speech front end (speech.md §1): pure numpy / scipy functions of waveforms and feature
trajectories, no model and no TensorFlow. WORLD comes from pyworld, imported when first
used.

| module | what | main names |
|---|---|---|
| ``io`` | mono 16 kHz waves, 16-bit WAV files, trimming, loudness | `read_wav`, `write_wav`, `wav_bytes`, `resample`, `trim_silence`, `rms_normalise`, `check_speech`, `SAMPLE_RATE` |
| ``sptk`` | SPTK mel-cepstrum in numpy | `sp2mc`, `mc2sp`, `freqt`, `mcep_alpha` |
| ``world`` | WORLD analysis / synthesis, WORLD-coded envelopes | `analyse_world`, `synthesise_world`, `cheaptrick_fft_size`, `code_spectral_envelope`, `decode_spectral_envelope` |
| ``analysis`` | the one analysis every system is measured with | `Analysis`, `analyse`, `synthesise` |
| ``stft`` | log-amplitude spectrograms, Griffin–Lim, resynthesis with a wave's phase | `log_stft_magnitude`, `griffin_lim`, `with_phase_of` |
| ``prosody`` | log-F0 transform, feature normalisation | `LogF0Transform`, `NormStats`, `voiced_log` |
"""  # noqa: E501

from tfgan_suite.audio import analysis, io, prosody, sptk, stft, world
from tfgan_suite.audio.analysis import Analysis, analyse, synthesise
from tfgan_suite.audio.io import (
    SAMPLE_RATE,
    check_speech,
    read_wav,
    resample,
    rms_normalise,
    trim_silence,
    wav_bytes,
    write_wav,
)
from tfgan_suite.audio.prosody import LogF0Transform, NormStats, voiced_log
from tfgan_suite.audio.sptk import freqt, mc2sp, mcep_alpha, sp2mc
from tfgan_suite.audio.stft import griffin_lim, log_stft_magnitude, with_phase_of
from tfgan_suite.audio.world import (
    analyse_world,
    cheaptrick_fft_size,
    code_spectral_envelope,
    decode_spectral_envelope,
    synthesise_world,
)

__all__ = ["SAMPLE_RATE", "Analysis", "LogF0Transform", "NormStats", "analyse",
           "analyse_world", "analysis", "cheaptrick_fft_size", "check_speech",
           "code_spectral_envelope", "decode_spectral_envelope", "freqt", "griffin_lim", "io",
           "log_stft_magnitude", "mc2sp", "mcep_alpha", "prosody", "read_wav", "resample",
           "rms_normalise", "sp2mc", "sptk", "stft", "synthesise", "synthesise_world",
           "trim_silence", "voiced_log", "wav_bytes", "with_phase_of", "world", "write_wav"]
