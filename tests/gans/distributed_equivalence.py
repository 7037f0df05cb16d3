"""Run in a fresh process (logical CPUs must be set before TensorFlow initialises).

Trains a toy GAN for a few steps on one device and under a 2-replica MirroredStrategy
from the same initial weights and data, and prints the largest weight difference per
case as JSON. Used by ``test_base.py``.
"""

import json
import sys

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfgan_suite.gans import AdversarialModel  # noqa: E402
from tfgan_suite.networks import MLPDiscriminator, MLPGenerator  # noqa: E402

BATCH, STEPS = 16, int(sys.argv[2]) if len(sys.argv) > 2 else 3


def build(case, weights=None):
    generator = MLPGenerator(latent_dim=4, hidden_units=[16, 16], norm="none")
    discriminator = MLPDiscriminator(hidden_units=[16, 16], pieces=case.get("pieces", 1),
                                     spectral_norm=case.get("spectral_norm", False))
    model = AdversarialModel(generator, discriminator, n_critic=case.get("n_critic", 1),
                             ema_decay=0.9, seed=7)
    # Adam's epsilon is raised from 1e-7 so that gradients that are zero in exact
    # arithmetic (e.g. the output bias under relativistic-average losses, which cancels)
    # do not turn float round-off into full-size updates.
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, epsilon=1e-4),
                  g_optimizer=keras.optimizers.Adam(1e-2, epsilon=1e-4),
                  objective=case["objective"], penalties=case.get("penalties"),
                  jit_compile=False)
    if weights is not None:
        generator.set_weights(weights[0])
        discriminator.set_weights(weights[1])
        model.ema_generator.set_weights(weights[0])
    return model


def data():
    points = np.random.default_rng(0).normal(size=(BATCH * STEPS, 2)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(points).batch(BATCH)


def run(case):
    single = build(case)
    start = (single.generator.get_weights(), single.discriminator.get_weights())
    single.run_eagerly = True  # the reference's steps eagerly (family_equivalence.py)
    single.fit(data(), epochs=1, verbose=0)
    strategy = tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice())
    with strategy.scope():
        mirrored = build(case, start)
    mirrored.fit(data(), epochs=1, verbose=0)
    diffs, per_network = [], {}
    for net in ("generator", "discriminator", "ema_generator"):
        for a, b in zip(getattr(single, net).get_weights(),
                        getattr(mirrored, net).get_weights(), strict=True):
            diffs.append(float(np.max(np.abs(a - b))))
            per_network[net] = max(per_network.get(net, 0.0), diffs[-1])
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(start[1], single.discriminator.get_weights(), strict=True))
    return {"max_diff": max(diffs), "per_network": per_network, "moved": moved,
            "steps": int(mirrored.step_counter.numpy()),
            "replicas": strategy.num_replicas_in_sync}


if __name__ == "__main__":
    cases = json.loads(sys.argv[1])
    print(json.dumps([run(case) for case in cases]))
