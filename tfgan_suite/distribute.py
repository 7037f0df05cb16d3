"""``tf.distribute`` strategy from the ``distribute:`` config section.

``default`` is TensorFlow's default (one device). ``mirrored`` replicates the step on
several devices; on a CPU-only machine ``logical_cpus: N`` first splits the CPU into N
logical devices so the distributed path runs and is tested without accelerators. Logical
devices must be configured before TensorFlow initialises its runtime (before the first op).
"""

from __future__ import annotations

from typing import Optional

import tensorflow as tf

STRATEGIES = ("default", "mirrored")


def configure_logical_cpus(count: int) -> list[str]:
    """Split the first physical CPU into ``count`` logical devices; returns their names."""
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
    except RuntimeError as error:
        existing = tf.config.list_logical_devices("CPU")
        if len(existing) != count:
            raise ValueError(
                f"distribute.logical_cpus: TensorFlow is already initialised with "
                f"{len(existing)} logical CPU(s); set logical_cpus before any TensorFlow "
                f"operation runs (e.g. in a fresh process)") from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def make_strategy(section: Optional[dict] = None) -> tf.distribute.Strategy:
    """Build the strategy named by ``section["strategy"]`` (see ``STRATEGIES``)."""
    section = dict(section or {})
    name = section.get("strategy", "default")
    if name not in STRATEGIES:
        raise ValueError(f"distribute.strategy: unknown value {name!r}; accepted: "
                         f"{', '.join(STRATEGIES)}")
    if name == "default":
        return tf.distribute.get_strategy()
    logical_cpus = section.get("logical_cpus")
    if logical_cpus:
        devices = configure_logical_cpus(int(logical_cpus))
        # NCCL is GPU-only; reduce through one device on CPUs.
        return tf.distribute.MirroredStrategy(
            devices=devices, cross_device_ops=tf.distribute.ReductionToOneDevice())
    return tf.distribute.MirroredStrategy()


def is_chief() -> bool:
    """Whether this process writes run artefacts (always true without multi-worker)."""
    return True
