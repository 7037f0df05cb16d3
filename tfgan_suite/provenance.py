"""Where a benchmark number came from: the machine and the code revision (for docs/results)."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Optional

#: The library's version (``tfgan_suite.__version__``; setup.py repeats it). Defined here,
#: below everything, so that the session records need not import the package's facade.
VERSION = "0.1.0"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict:
    """CPU model, core count, OS and Python version, and the load average right now."""
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu_model(), "cores": os.cpu_count(),
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "load_average": load}


def machine_description() -> str:
    info = machine()
    return f"{info['cpu']}, {info['cores']} cores, {info['system']}"


def git_revision(root: str) -> str:
    """Short HEAD revision of the checkout at ``root`` ("unknown" outside git)."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_root() -> str:
    """The directory holding the ``tfgan_suite`` package (the checkout, when editable)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def session_record(start_step: int, precision: Optional[dict] = None) -> dict:
    """One training session of a run: when, on what, with which code and libraries.

    ``precision``: ``{"requested": ..., "resolved": ...}`` (``precision: auto`` resolves per
    host, so a resumed run may compute differently on another machine). The record also
    names the CPU's kind (hardware.host_kind) and whether TensorFlow's oneDNN kernels ran.
    """
    import datetime

    import keras
    import tensorflow as tf

    from tfgan_suite import hardware

    record = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(
                  timespec="seconds"),
              "start_step": int(start_step), "revision": git_revision(package_root()),
              "machine": machine() | {"cpu_kind": hardware.host_kind(),
                                      "onednn": hardware.onednn_enabled()},
              "tfgan_suite": VERSION, "tensorflow": tf.__version__,
              "keras": keras.__version__}
    if precision is not None:
        record["precision"] = dict(precision)
    return record
