"""Config → objects: the dataset, the networks, the GAN and its optimizers.

This is where the open config sections (``generator``, ``discriminator``, ``penalties``)
meet their registries, so a bad option fails before training with a message listing the
accepted ones.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import data as data_lib
from tfgan_suite import networks, objectives, penalties
from tfgan_suite.gans import GANS

TOY_OPTIONS = {"ring": ("n_modes", "radius", "std"), "grid": ("side", "spacing", "std")}

#: Networks used when a recipe leaves a section's ``name`` unset.
DEFAULT_NETWORKS = {"toy": "mlp", "image": "dcgan"}


def toy_kwargs(data_cfg: dict) -> dict[str, Any]:
    """The ``toy2d`` arguments of the ``data`` section (ring or grid)."""
    return {key: data_cfg[key] for key in TOY_OPTIONS[data_cfg["name"]]
            if data_cfg.get(key) is not None}


def mixture(config: dict):
    """The toy mixture a toy config trains on (None for image data)."""
    name = config["data"]["name"]
    if name not in TOY_OPTIONS:
        return None
    return data_lib.toy2d(name, **toy_kwargs(config["data"]))


def data_info(config: dict) -> dict[str, Any]:
    data_cfg = config["data"]
    return data_lib.dataset_info(data_cfg["name"], image_size=data_cfg["image_size"])


def dataset(config: dict, with_labels: bool = False) -> tf.data.Dataset:
    """The infinite, seeded, batched training pipeline of ``config``."""
    data_cfg = config["data"]
    extra = toy_kwargs(data_cfg) if data_cfg["name"] in TOY_OPTIONS else {}
    return data_lib.load(data_cfg["name"], split=data_cfg["split"],
                         batch_size=data_cfg["batch_size"], image_size=data_cfg["image_size"],
                         with_labels=with_labels, seed=config["seed"], repeat=True, **extra)


def _network_defaults(info: dict[str, Any]) -> dict[str, Any]:
    shape = info["image_shape"]
    if info["kind"] == "toy":
        return {"output_dim": shape[0], "input_dim": shape[0]}
    return {"image_size": shape[0], "channels": shape[-1],
            "num_classes": info.get("num_classes")}


def build_networks(config: dict) -> tuple[keras.Model, keras.Model]:
    """Generator and discriminator of ``config`` (shapes filled in from the dataset)."""
    info = data_info(config)
    defaults = _network_defaults(info)
    generator_spec = dict(config.get("generator") or {})
    discriminator_spec = dict(config.get("discriminator") or {})
    generator_spec.setdefault("name", DEFAULT_NETWORKS[info["kind"]])
    discriminator_spec.setdefault("name", DEFAULT_NETWORKS[info["kind"]])
    generator = networks.build_generator(generator_spec, **defaults)
    discriminator = networks.build_discriminator(discriminator_spec, **defaults)
    if tuple(generator.outputs[0].shape[1:]) != tuple(discriminator.inputs[0].shape[1:]):
        raise ValueError(
            f"generator/discriminator: generator output shape {generator.outputs[0].shape[1:]} "
            f"does not match discriminator input {discriminator.inputs[0].shape[1:]}")
    return generator, discriminator


def penalty_spec(config: dict) -> dict[str, dict]:
    """``penalties`` section without disabled entries (``gp: false``), validated."""
    spec = {name: (options or {}) for name, options in (config.get("penalties") or {}).items()
            if options is not False}
    for name, options in spec.items():
        if not isinstance(options, dict):
            raise ValueError(f"penalties.{name}: expected a mapping of options, got {options!r}")
    penalties.build_all(spec)  # raises on unknown names / options
    return spec


def build_gan(config: dict):
    """The (uncompiled) GAN of ``config``; call inside the strategy's scope."""
    objectives.get(config["objective"]["name"])  # fail early on an unknown objective
    penalty_spec(config)
    generator, discriminator = build_networks(config)
    train_cfg = config["train"]
    model_cls = GANS.get(config["model"])
    kwargs = model_cls.options_from_config(config, data_info(config).get("num_classes"))
    return model_cls(generator, discriminator, n_critic=train_cfg["n_critic"],
                     ema_decay=train_cfg["ema_decay"], ema_start=train_cfg["ema_start"],
                     ema_statistics=train_cfg["ema_statistics"],
                     standing_batches=train_cfg["standing_batches"],
                     standing_batch_size=config["data"]["batch_size"],
                     seed=config["seed"], **kwargs)


def _adam(learning_rate: float, train_cfg: dict, updates: int) -> keras.optimizers.Optimizer:
    """Adam with ``train.lr_schedule`` over ``updates`` optimizer steps."""
    schedule = train_cfg["lr_schedule"]
    if schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, updates)
    elif schedule == "linear":
        learning_rate = keras.optimizers.schedules.PolynomialDecay(learning_rate, updates, 0.0)
    return keras.optimizers.Adam(learning_rate, beta_1=train_cfg["beta_1"],
                                 beta_2=train_cfg["beta_2"])


def compile_gan(model, config: dict) -> None:
    train_cfg = config["train"]
    steps_per_execution = train_cfg["steps_per_execution"]
    if (steps_per_execution > 1 and isinstance(tf.distribute.get_strategy(),
                                               tf.distribute.MultiWorkerMirroredStrategy)):
        # Keras 3.15's multi-step while loop fails under MultiWorkerMirroredStrategy
        # ("You must feed a value for placeholder tensor ... while/cond/Placeholder").
        print("tfgan: train.steps_per_execution is set to 1 under multi_worker "
              "(Keras 3.15 cannot run multi-step executions there)")
        steps_per_execution = 1
    steps = train_cfg["steps"]
    model.compile(d_optimizer=_adam(train_cfg["d_learning_rate"], train_cfg,
                                    steps * train_cfg["n_critic"]),
                  g_optimizer=_adam(train_cfg["g_learning_rate"], train_cfg, steps),
                  objective=config["objective"]["name"],
                  label_smoothing=config["objective"]["label_smoothing"],
                  penalties=penalty_spec(config),
                  jit_compile=train_cfg["jit_compile"],
                  steps_per_execution=steps_per_execution,
                  fuse_discriminator_passes=train_cfg["fuse_discriminator_passes"])


def grid_labels(config: dict, n: int) -> Optional[np.ndarray]:
    """Labels for conditional sample grids: one row per class of ``n // K`` samples (at
    least one each); None for unconditional models."""
    if not getattr(GANS.get(config["model"]), "conditional", False):
        return None
    classes = int(data_info(config)["num_classes"])
    return np.repeat(np.arange(classes, dtype=np.int32), max(1, n // classes))


def reset_learning_rates(model, config: dict) -> None:
    """Write the config's constant learning rates into the (restored) optimizers."""
    train_cfg = config["train"]
    if train_cfg["lr_schedule"] != "constant":
        return  # schedules are not checkpointed state; the rebuilt ones already apply
    for optimizer, key in ((model.d_optimizer, "d_learning_rate"),
                           (model.g_optimizer, "g_learning_rate")):
        optimizer.learning_rate.assign(train_cfg[key])
