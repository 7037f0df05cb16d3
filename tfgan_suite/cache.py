"""The on-disk cache every expensive derived artefact shares: ``$TFGAN_CACHE_DIR`` or
``~/.cache/tfgan_suite``.

Domain classifiers (``metrics/classifier.py``), rendered glyphs and edge maps (``data/``),
restored images and estimated label-noise transitions each keep a subdirectory here. It
sits below ``data`` and ``metrics`` so both find it without importing each other.
"""

from __future__ import annotations

import os

CACHE_DIR_ENV = "TFGAN_CACHE_DIR"
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "tfgan_suite")


def cache_dir() -> str:
    """``$TFGAN_CACHE_DIR`` or ``~/.cache/tfgan_suite``, expanded."""
    return os.path.expanduser(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)
