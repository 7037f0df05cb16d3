"""``tf.distribute`` strategy from the ``distribute:`` config section.

- ``default``: TensorFlow's default strategy (one device).
- ``mirrored``: synchronous replicas on this machine: explicit ``devices``, else all GPUs
  (or the CPU when there is none). On a CPU-only machine ``logical_cpus: N`` first splits
  the CPU into N logical devices, so the distributed path runs and is tested without
  accelerators. Logical devices must be configured before TensorFlow initialises its
  runtime (before the first op).
- ``multi_worker``: ``MultiWorkerMirroredStrategy`` over the cluster in ``TF_CONFIG``.
- ``tpu``: ``TPUStrategy`` on the TPU named by ``tpu`` (or the local one).

The batch size in configs is global: Keras splits each batch across replicas. Only the
chief (``is_chief``) writes checkpoints, logs and samples; other workers write theirs to
a scratch directory, as multi-worker checkpointing requires every worker to save.

BatchNorm across replicas: ``keras.layers.BatchNormalization`` normalises with the
statistics of the replica's own examples (its moving averages are kept per replica and
read from the first). With ``synchronized=True`` it all-reduces the statistics (SyncBN),
which makes an N-replica step equal the 1-device step.
"""

from __future__ import annotations

import json
import os
from typing import Optional

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


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


def cluster_spec() -> dict:
    """The parsed ``TF_CONFIG`` (empty when unset)."""
    raw = os.environ.get("TF_CONFIG", "")
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG: not valid JSON ({error})") from None


def is_chief() -> bool:
    """Whether this process writes run artefacts: no TF_CONFIG, or the chief / worker 0."""
    task = cluster_spec().get("task") or {}
    task_type, task_index = task.get("type"), task.get("index", 0)
    if task_type in (None, "chief"):
        return True
    has_chief = "chief" in (cluster_spec().get("cluster") or {})
    return task_type == "worker" and task_index == 0 and not has_chief


def task_id() -> str:
    task = cluster_spec().get("task") or {}
    return f"{task.get('type', 'local')}_{task.get('index', 0)}"


def make_strategy(section: Optional[dict] = None) -> tf.distribute.Strategy:
    """Build the strategy named by ``section["strategy"]`` (see ``STRATEGIES``)."""
    section = dict(section or {})
    name = section.get("strategy", "default")
    if name not in STRATEGIES:
        raise ValueError(f"distribute.strategy: unknown value {name!r}; accepted: "
                         f"{', '.join(STRATEGIES)}")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = section.get("devices")
        cross_device_ops = None
        if section.get("logical_cpus"):
            devices = configure_logical_cpus(int(section["logical_cpus"]))
        if not tf.config.list_physical_devices("GPU"):
            cross_device_ops = tf.distribute.ReductionToOneDevice()  # NCCL is GPU-only
        return tf.distribute.MirroredStrategy(devices=devices or None,
                                              cross_device_ops=cross_device_ops)
    if name == "multi_worker":
        if not cluster_spec():
            raise ValueError("distribute.strategy: multi_worker needs the TF_CONFIG "
                             "environment variable describing the cluster and this task")
        communication = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=communication)
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=section.get("tpu") or "")
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)
