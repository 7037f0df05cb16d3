"""The speech conversion models with tiny networks (networks/voice*.py) and random
feature batches, for the 2-replica equivalence (``family_equivalence.py``) and the resume
test (``test_voice_conversion.py``). Importing it configures nothing."""

import numpy as np
import tensorflow as tf

from tfgan_suite.gans import GANS

#: As family_equivalence's: batch and steps of the compared runs.
BATCH, STEPS = 16, 2

#: The speech models' tiny networks (networks/voice*.py) and data: [frames, dims] crops.
SPEECH_NETWORKS = {
    "cyclegan_vc": ({"name": "vc_gated_1d", "channels": 4, "blocks": 1},
                    {"name": "vc_full", "channels": 4}),
    "cyclegan_vc2": ({"name": "vc_gated_212d", "channels": 4, "bridge_channels": 8,
                      "blocks": 1}, {"name": "vc_patchgan", "channels": 4}),
    "stargan_vc": ({"name": "stargan_vc", "channels": 4}, {"name": "stargan_vc", "channels": 4}),
    "stargan_vc2": ({"name": "stargan_vc2", "channels": 4, "bridge_channels": 8, "blocks": 1},
                    {"name": "stargan_vc2", "channels": 4}),
    # The paired models (gans/postfilter.py): (x, y) batches of the same shape.
    "ganpf": ({"name": "ganpf", "channels": 4}, {"name": "ganpf", "channels": 4}),
    "ganpf_stft": ({"name": "ganpf", "channels": 4, "bands": 2, "overlap": 2, "offset": 0},
                   {"name": "ganpf", "channels": 4, "bands": 2, "overlap": 2, "offset": 0}),
    "ganvc": ({"name": "vc_gated_1d", "channels": 4, "blocks": 1},
              {"name": "vc_full", "channels": 4}),
}
#: The paired models' options: G learns from x, D judges y (GAN-VC's similarity on).
PAIRED_OPTIONS = {"ganpf": {"mse_weight": 1.0}, "ganpf_stft": {},
                  "ganvc": {"domains": ("s0", "s1"), "feature_layer": "d3_glu",
                            "similarity_weight": 1.0}}
SPEECH_FRAMES, SPEECH_DIMS, SPEAKERS = 32, 8, ("s0", "s1", "s2")


def build_speech(name):
    """A speech model of tiny networks; the StarGANs over three speakers (StarGAN-VC with
    its classifier), the identity loss on throughout the compared steps."""
    from tfgan_suite import networks

    g_spec, d_spec = SPEECH_NETWORKS[name]
    many = name.startswith("stargan")
    shared = {"dims": SPEECH_DIMS, "frames": SPEECH_FRAMES, "num_domains": len(SPEAKERS)}
    generator = networks.build_generator(g_spec, **shared)
    discriminator = networks.build_discriminator(d_spec, **shared)
    if name in PAIRED_OPTIONS:
        return GANS.get(name)(generator, discriminator, seed=7, **PAIRED_OPTIONS[name])
    options = {"domains": SPEAKERS if many else SPEAKERS[:2], "identity_steps": 100}
    if name == "stargan_vc":
        options["classifier"] = networks.build_discriminator(
            {"name": "stargan_vc_classifier"}, **shared)
    if not many:
        options["pool_shape"] = (SPEECH_FRAMES, SPEECH_DIMS)
    return GANS.get(name)(generator, discriminator, seed=7, **options)


def speech_batches(name):
    rng = np.random.default_rng(0)
    shape = (BATCH * STEPS, SPEECH_FRAMES, SPEECH_DIMS)
    if name.startswith("stargan"):
        labels = rng.integers(0, len(SPEAKERS), BATCH * STEPS).astype(np.int32)
        return tf.data.Dataset.from_tensor_slices(
            (rng.normal(size=shape).astype(np.float32), labels)).batch(BATCH)
    return tf.data.Dataset.from_tensor_slices(
        tuple(rng.normal(size=shape).astype(np.float32) for _ in range(2))).batch(BATCH)


def assert_resume_equals_unbroken(test, name: str, directory: str) -> None:
    """Model ``name``: 1 step, a checkpoint, a fresh model restored from it and 1 more step on
    the batch that follows equal 2 uninterrupted steps (eager steps: tracing each model's
    step three times costs minutes of the suite; eagerly the same step code runs in
    seconds)."""
    import os

    import keras

    batches = list(speech_batches(name).take(2))

    def fresh():
        keras.utils.set_random_seed(1)
        model = build_speech(name)
        model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                      g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                      objective="least_squares", run_eagerly=True)
        return model

    def fit(model, part):
        model.fit(tf.data.Dataset.from_tensor_slices(
            tuple(np.stack(t) for t in zip(*[tuple(b) for b in part], strict=True))
        ).unbatch().batch(BATCH), epochs=1, verbose=0)

    unbroken = fresh()
    fit(unbroken, batches)
    first = fresh()
    fit(first, batches[:1])
    path = tf.train.Checkpoint(model=first).save(os.path.join(directory, name, "ckpt"))
    resumed = fresh()
    tf.train.Checkpoint(model=resumed).restore(path).assert_existing_objects_matched()
    fit(resumed, batches[1:])
    test.assertEqual(int(resumed.step_counter.numpy()), 2)
    for a, b in zip(unbroken.get_weights(), resumed.get_weights(), strict=True):
        test.assertAllClose(a, b, atol=1e-6)
