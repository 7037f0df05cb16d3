"""Run in a fresh process (logical CPUs must be set before TensorFlow initialises), in a
scratch directory.

1. The Keras guide's ``networks`` and ``mirrored`` blocks, as printed, on 2 logical CPUs.
2. A Keras user's own networks — the guide's ``Sequential`` pair and a subclassed pair
   built by ``AdversarialModel`` from ``latent_dim`` — trained 2 steps on one device and
   under a 2-replica ``MirroredStrategy`` from the same weights and data.

Prints one JSON line: the guide run's replicas and steps, and per pair the largest weight
difference and how far the weights moved. Used by ``test_keras_api.py``.
"""

import json
import os
import sys

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docs_examples import run_named  # noqa: E402
from user_networks import SmallDiscriminator, SmallGenerator  # noqa: E402

import tfgan_suite as tg  # noqa: E402

BATCH, STEPS, LATENT = 16, 2, 8


def build(pair, namespace, weights=None):
    if pair == "sequential":
        model = tg.AdversarialModel(namespace["make_generator"](),
                                    namespace["make_discriminator"](), ema_decay=0.9, seed=3)
    else:
        model = tg.AdversarialModel(SmallGenerator(), SmallDiscriminator(), latent_dim=LATENT,
                                    ema_decay=0.9, seed=3)
    # SGD keeps the update proportional to the gradient: Adam turns round-off in a gradient
    # near zero into a full step (see tests/gans/test_translation_models.py).
    model.compile(d_optimizer=keras.optimizers.SGD(0.01),
                  g_optimizer=keras.optimizers.SGD(0.01), objective="hinge",
                  penalties={"r1": {"weight": 1.0}})
    if weights is not None:
        model.generator.set_weights(weights[0])
        model.discriminator.set_weights(weights[1])
        model.ema_generator.set_weights(weights[0])
    return model


def data(size):
    images = np.random.default_rng(0).uniform(-1, 1, (BATCH * STEPS, size, size, 1))
    return tf.data.Dataset.from_tensor_slices(images.astype(np.float32)).batch(BATCH)


def equivalence(pair, namespace):
    keras.utils.set_random_seed(0)
    single = build(pair, namespace)
    size = 28 if pair == "sequential" else 8
    start = (single.generator.get_weights(), single.discriminator.get_weights())
    single.fit(data(size), epochs=1, verbose=0)
    strategy = tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice())
    with strategy.scope():
        mirrored = build(pair, namespace, start)
    mirrored.fit(data(size), epochs=1, verbose=0)
    diffs = [float(np.max(np.abs(a - b)))
             for net in ("generator", "discriminator", "ema_generator")
             for a, b in zip(getattr(single, net).get_weights(),
                             getattr(mirrored, net).get_weights(), strict=True)]
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(start[1], single.discriminator.get_weights(), strict=True))
    return {"max_diff": max(diffs), "moved": moved, "replicas": strategy.num_replicas_in_sync,
            "steps": int(mirrored.step_counter.numpy())}


if __name__ == "__main__":
    os.chdir(sys.argv[1])
    namespace = run_named("docs/guides/keras.md", ["networks", "mirrored"])
    guide = {"replicas": namespace["strategy"].num_replicas_in_sync,
             "steps": int(namespace["gan"].step_counter.numpy())}
    print(json.dumps({"guide": guide,
                      "sequential": equivalence("sequential", namespace),
                      "subclassed": equivalence("subclassed", namespace)}))
