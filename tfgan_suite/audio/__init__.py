"""The speech front end: pure numpy functions of waveforms and feature trajectories.

Nothing here imports a model: ``prosody`` (the log-F0 transform of voice conversion).
"""
from tfgan_suite.audio import prosody

__all__ = ["prosody"]
