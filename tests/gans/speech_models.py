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
