"""Run in a fresh process (logical CPUs must be set before TensorFlow initialises).

The model families beyond the toy GAN — cGAN, AC-GAN, the imperfect-label models rAC-GAN,
rcGAN, CP-GAN and S3GAN, AmbientGAN, SS-GAN and NR-GAN (each variant: ``nrgan_<variant>``,
whose noise generator and its EMA are compared too), InfoGAN, CFGAN, ProGAN (within a
fade), StyleGAN and StyleGAN2 (style mixing, w̄, lazy R1 and path length firing in the
compared steps), MSG-GAN, LAPGAN (unconditional and class-conditional; its generator's
synchronised BatchNorm included) and StackGAN (Stage-I; Stage-II around a frozen Stage-I,
matching-aware pairs and the KL term included), and the translation models CycleGAN (both
translators and discriminators, the history pools swapping within the compared steps) and
pix2pix, and the speech conversion models CycleGAN-VC, CycleGAN-VC2 (its two-step
discriminators included), StarGAN-VC (its classifier included) and StarGAN-VC2 — trained for
a few steps on one device
and under a 2-replica MirroredStrategy from the same weights and data; prints the largest weight
difference per model as JSON. The generator has no BatchNorm (per-replica batch statistics
differ from the global batch's by design); the discriminator is the DCGAN one with each
model's heads. Used by ``test_imperfect_labels.py``.
"""

import json
import sys

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])

import keras  # noqa: E402
import numpy as np  # noqa: E402
from speech_models import SPEECH_NETWORKS, build_speech, speech_batches  # noqa: E402

from tfgan_suite.data import corruptions  # noqa: E402
from tfgan_suite.gans import GANS  # noqa: E402
from tfgan_suite.networks import (  # noqa: E402
    DCGANDiscriminator,
    PatchGANDiscriminator,
    ResNetTranslator,
    UNetTranslator,
)

BATCH, STEPS, CLASSES = 16, 2, 4
#: The 1-device reference steps run eagerly (``run_eagerly``): the same step code and
#: arithmetic without a traced graph, which took a third of each comparison's time; the
#: 2-replica run stays a traced MirroredStrategy program (per-replica tracing, cross-replica
#: sums and synchronised BatchNorm are what is compared). Measured differences stayed below
#: 2e-6 (cGAN, InfoGAN, NR-GAN sd3, StyleGAN2, LAPGAN-cond, StackGAN-II, CycleGAN).
EAGER_REFERENCE = True
DISCRIMINATORS = {"cgan": {"conditioning": "projection", "spectral_norm": True},
                  "acgan": {"conditioning": "auxiliary"},
                  "racgan": {"conditioning": "auxiliary"},
                  "rcgan": {"conditioning": "projection"},
                  "cpgan": {"conditioning": "auxiliary"},
                  "s3gan": {"conditioning": "projection", "rotation_head": True,
                            "label_predictor": True},
                  "ambientgan": {},
                  "ssgan": {"rotation_head": True}}
DISCRIMINATORS.update({f"nrgan_{variant}": {} for variant in ("si1", "si2", "sd1", "sd2", "sd3")})
#: InfoGAN's codes: every kind (categorical, continuous, a tree with a curriculum).
CODES = [{"name": "c1", "kind": "categorical", "size": 4},
         {"name": "c2", "kind": "continuous", "size": 2, "weight": 0.5},
         {"name": "t", "kind": "tree", "branching": [2, 2], "layer_starts": [0, 1]}]
CODE_WIDTH = 4 + 2 + 6
DISCRIMINATORS["infogan"] = {"q_width": CODE_WIDTH}
#: CFGAN: codes tied to attributes 0 and 2 of the 4 classes, plus one always live.
ATTRIBUTE_CODES = [{"name": "a", "kind": "categorical", "size": 3, "attribute": 0},
                   {"name": "b", "kind": "categorical", "size": 2, "attribute": 2},
                   {"name": "c", "kind": "continuous", "size": 1}]
DISCRIMINATORS["cfgan"] = {"conditioning": "projection", "q_width": 6}
#: Style models (16 px): 2 steps with lazy R1 and path length every 2nd update, so each
#: fires once and is skipped once.
STYLE = ("stylegan", "stylegan2")
UNCONDITIONAL = ("ambientgan", "ssgan", "infogan", "progan", "msggan", "lapgan") + STYLE + tuple(
    n for n in DISCRIMINATORS if n.startswith("nrgan"))
#: Compared under SGD (``compiled``): SS-GAN's weights differed by 1.0e-4 after two Adam
#: steps on an AVX2-only AMD EPYC, whose TensorFlow runs without oneDNN (other reduction
#: orders than an AVX-512 host's), where a gradient near 0 became a ±lr step.
SGD = ("ssgan",)
OPTIONS = {"racgan": {"transition": corruptions.symmetric_transition(CLASSES, 0.5).tolist()},
           "rcgan": {"transition": corruptions.asymmetric_transition(
               CLASSES, 0.4, flips={0: 1, 2: 3}).tolist(), "label_sampling": "posterior"},
           "ambientgan": {"corruption": {"measurement": "block_pixels", "parameter": 0.5}}}


def generator(vectors: bool, conditional: bool = True, latent: int = 8,
              name: str = "generator") -> keras.Model:
    """[z, labels] (or z) → 28×28 images, without BatchNorm."""
    z = keras.Input((latent,), name="z")
    if not conditional:
        x = keras.layers.Dense(64, activation="relu")(z)
        x = keras.layers.Dense(28 * 28, activation="tanh")(x)
        return keras.Model(z, keras.layers.Reshape((28, 28, 1))(x), name=name)
    if vectors:
        labels = condition = keras.Input((CLASSES,), name="labels")
    else:
        labels = keras.Input((), dtype="int32", name="labels")
        condition = keras.layers.Embedding(CLASSES, CLASSES, name="one_hot")(labels)
    x = keras.layers.Concatenate()([z, condition])
    x = keras.layers.Dense(64, activation="relu")(x)
    x = keras.layers.Dense(28 * 28, activation="tanh")(x)
    return keras.Model([z, labels], keras.layers.Reshape((28, 28, 1))(x), name="generator")


def _options(name):
    if name.startswith("nrgan_"):
        variant = name.split("_")[1]
        latent = 8 + (8 if variant in ("sd2", "sd3") else 0)
        return {"variant": variant, "noise_generator": generator(False, False, latent,
                                                                 "noise_generator")}
    if name == "infogan":
        return {"codes": CODES}
    if name == "cfgan":
        return {"codes": ATTRIBUTE_CODES}
    return OPTIONS.get(name, {})


#: ProGAN (16 px, filters 8/8/4) starts at step 5: 80 images into a 64 + 256 schedule, in
#: the fade to 8 px, so α moves in the graph at every step of the comparison.
PROGAN_START_STEP = 5


def compiled(model, weights, objective, penalties=None, sgd=False):
    """``model`` compiled with the comparison's optimizers and, for the mirrored copy, the
    single-device run's starting ``weights`` (generator, discriminator[, noise generator]).

    ``sgd``: plain SGD (0.1) instead of Adam. Adam's first steps, lr·g/(|g| + ε), magnify a
    gradient's round-off where |g| is near ε, and synchronized BatchNorm computes variances
    as E[x²] − E[x]² over the replicas — a different round-off from one device's: StackGAN
    Stage-II's weights differed by 7e-5 after two Adam steps on an AMD EPYC (1e-5 on the
    Intel Xeon). SGD keeps updates proportional to gradients (1.5e-7 there), which is also
    the stricter comparison: Adam's sign-like first steps hide real gradient differences."""
    # The StarGANs under SGD 0.001: at 0.01 they differed by 2e-4 after two steps (moved
    # 0.06), at 0.001 by 4e-6 (moved 0.005) — a 50× smaller difference for a 10× smaller
    # step, the round-off amplification noted above rather than a first-order mismatch.
    # The banded STFT postfilter under SGD 0.05: at 0.01 its discriminator moved only 4e-4
    # in two steps (the threshold of a step that trained is 1e-3) while the replicas agreed
    # to 1.5e-8.
    def optimizer():
        return (keras.optimizers.SGD(0.1) if sgd
                else keras.optimizers.Adam(1e-2, epsilon=1e-4))

    model.compile(d_optimizer=optimizer(), g_optimizer=optimizer(),
                  objective=objective, penalties=penalties, jit_compile=False)
    if weights is not None:
        model.generator.set_weights(weights[0])
        model.discriminator.set_weights(weights[1])
        model.ema_generator.set_weights(weights[0])
        if len(weights) > 2:
            model.noise_generator.set_weights(weights[2])
            model.ema_noise_generator.set_weights(weights[2])
    return model


def build_progan(weights=None):
    from tfgan_suite.networks import progan as staged

    keras.utils.set_random_seed(1)
    model = GANS.get("progan")(
        staged.ProGANGenerator(latent_dim=8, image_size=16, channels=1, filters=(8, 8, 4)),
        staged.ProGANDiscriminator(image_size=16, channels=1, filters=(8, 8, 4)),
        stabilise_images=64, fade_images=256, batch_size=BATCH, ema_decay=0.9, seed=7)
    compiled(model, weights, "wasserstein", {"gp": {"weight": 10.0},
                                             "drift": {"weight": 0.001}})
    model.step_counter.assign(PROGAN_START_STEP)
    model.sync_stage()
    return model


def build_style(name, weights=None):
    from tfgan_suite import networks

    keras.utils.set_random_seed(1)
    generator_cls, discriminator_cls = (
        (networks.StyleGANGenerator, networks.StyleGANDiscriminator) if name == "stylegan"
        else (networks.StyleGAN2Generator, networks.StyleGAN2Discriminator))
    model = GANS.get(name)(
        generator_cls(latent_dim=8, w_dim=8, mapping_layers=2, image_size=16, channels=1,
                      filters=(8, 8, 4)),
        discriminator_cls(image_size=16, channels=1, filters=(8, 8, 4)),
        mixing_probability=1.0, ema_decay=0.9, seed=7,
        **({"pl_interval": 2} if name == "stylegan2" else {}))
    # StyleGAN's constant starts at ones: its first AdaIN then normalises a spatially
    # constant map, whose bias gradient is 0 up to float round-off amplified by 1/√ε — a
    # different round-off per reduction order, which Adam turns into ±lr steps. A varied
    # constant makes the comparison about the step, not the round-off.
    for network in (model.generator, model.ema_generator):
        const = network.synthesis.const
        const.assign(tf.random.stateless_normal(const.shape, seed=[5, 5]))
    return compiled(model, weights, "non_saturating", {"r1": {"weight": 1.0, "interval": 2}})


def build_msggan(weights=None):
    from tfgan_suite import networks

    keras.utils.set_random_seed(1)
    model = GANS.get("msggan")(
        networks.MSGGANGenerator(latent_dim=8, image_size=16, channels=1, filters=(8, 8, 4)),
        networks.MSGGANDiscriminator(image_size=16, channels=1, filters=(8, 8, 4),
                                     combine="cat"),
        ema_decay=0.9, seed=7)
    return compiled(model, weights, "non_saturating", {"r1": {"weight": 1.0}})


def build_lapgan(name, weights=None):
    from tfgan_suite import networks

    keras.utils.set_random_seed(1)
    conditional = name == "lapgan_cond"
    classes = {"conditional": True, "num_classes": CLASSES} if conditional else {}
    model = GANS.get(name)(
        networks.LAPGANGenerator(latent_dim=8, image_size=28, levels=3, filters=(8, 8, 8),
                                 **classes),
        networks.LAPGANDiscriminator(image_size=28, levels=3, filters=(4, 4, 4), **classes),
        ema_decay=0.9, seed=7, **({"num_classes": CLASSES} if conditional else {}))
    return compiled(model, weights, "non_saturating")


def build_stackgan(name, weights=None):
    from tfgan_suite import networks

    keras.utils.set_random_seed(1)
    texts = ["a red top", "a blue top", "a red shoe", "a blue shoe"]
    small = {"condition_dim": 4, "embedding_dim": 8, "num_classes": CLASSES}
    generator = networks.StackGANStage1Generator(latent_dim=8, image_size=14, base_filters=8,
                                                 descriptions=texts, **small)
    side = 14
    if name == "stackgan2":  # around a frozen (here untrained) Stage-I generator
        generator = networks.StackGANStage2Generator(stage1=generator.get_config(),
                                                     image_size=28, base_filters=8,
                                                     residual_blocks=1, **small)
        side = 28
    model = GANS.get("stackgan")(
        generator, networks.StackGANDiscriminator(image_size=side, base_filters=4,
                                                  descriptions=texts, **small),
        num_classes=CLASSES, ema_decay=0.9, seed=7)
    return compiled(model, weights, "non_saturating", sgd=True)


def build(name, weights=None):
    if name.startswith("stackgan"):
        return build_stackgan(name, weights)
    if name.startswith("lapgan"):
        return build_lapgan(name, weights)
    if name == "progan":
        return build_progan(weights)
    if name in STYLE:
        return build_style(name, weights)
    if name == "msggan":
        return build_msggan(weights)
    keras.utils.set_random_seed(1)
    conditional = name not in UNCONDITIONAL
    classes = {"num_classes": CLASSES} if conditional else {}
    latent = 8 + {"infogan": CODE_WIDTH, "cfgan": CLASSES + 6}.get(name, 0)
    two_inputs = conditional and name != "cfgan"  # CFGAN: y is inside its one input z
    model = GANS.get(name.split("_")[0])(generator(name == "cpgan", two_inputs, latent),
                                         DCGANDiscriminator(image_size=28, base_filters=4,
                                                            **classes, **DISCRIMINATORS[name]),
                                         ema_decay=0.9, seed=7, **classes, **_options(name))
    return compiled(model, weights, "hinge", sgd=name in SGD)


def _compared(model) -> tuple:
    names = ("generator", "discriminator", "ema_generator")
    if hasattr(model, "noise_generator"):
        names += ("noise_generator", "ema_noise_generator")
    return names


def data(name):
    rng = np.random.default_rng(0)
    side = 16 if name in ("progan", "msggan") + STYLE else 28
    images = rng.uniform(-1, 1, (BATCH * STEPS, side, side, 1)).astype(np.float32)
    labels = (np.arange(BATCH * STEPS) % CLASSES).astype(np.int32)
    if name == "s3gan":
        labels[rng.permutation(len(labels))[:len(labels) // 2]] = corruptions.UNLABELLED
    if name in UNCONDITIONAL:
        return tf.data.Dataset.from_tensor_slices(images).batch(BATCH)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(BATCH)


def trained_on_two_replicas(make_model, batches):
    """``make_model()`` built under a 2-replica MirroredStrategy and fit on ``batches``."""
    strategy = tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice())
    with strategy.scope():
        mirrored = make_model()
    mirrored.fit(batches, epochs=1, verbose=0)
    return mirrored, strategy


def run(name):
    single = build(name)
    start = (single.generator.get_weights(), single.discriminator.get_weights())
    if hasattr(single, "noise_generator"):
        start += (single.noise_generator.get_weights(),)
    single.run_eagerly = EAGER_REFERENCE
    single.fit(data(name), epochs=1, verbose=0)
    mirrored, strategy = trained_on_two_replicas(lambda: build(name, start), data(name))
    diffs = [float(np.max(np.abs(a - b)))
             for network in _compared(single)
             for a, b in zip(getattr(single, network).get_weights(),
                             getattr(mirrored, network).get_weights(), strict=True)]
    if hasattr(single, "pl_mean"):  # the path-length running mean (0 before the step)
        diffs.append(abs(float(single.pl_mean.numpy()) - float(mirrored.pl_mean.numpy())))
    moved = max(float(np.max(np.abs(a - b)))
                for a, b in zip(start[1], single.discriminator.get_weights(), strict=True))
    if len(start) > 2:  # the noise generator trained too
        moved = min(moved, max(float(np.max(np.abs(a - b))) for a, b in zip(
            start[2], single.noise_generator.get_weights(), strict=True)))
    return {"model": name, "max_diff": max(diffs), "moved": moved,
            "steps": int(mirrored.step_counter.numpy()),
            "replicas": strategy.num_replicas_in_sync}


#: Translation models and the networks compared (and copied from the 1-device start).
TRANSLATION = {"cyclegan": ("generator", "generator_ba", "discriminator", "discriminator_a"),
               "pix2pix": ("generator", "discriminator"),
               "cyclegan_vc": ("generator", "generator_ba", "discriminator", "discriminator_a"),
               "cyclegan_vc2": ("generator", "generator_ba", "discriminator", "discriminator_a",
                                "cycle_discriminator_a", "cycle_discriminator_b"),
               "stargan_vc": ("generator", "discriminator", "classifier"),
               "stargan_vc2": ("generator", "discriminator"),
               "ganpf": ("generator", "discriminator"),
               "ganpf_stft": ("generator", "discriminator"),
               "ganvc": ("generator", "discriminator")}
#: CycleGAN's pools keep 3 images: full after the first image of step 1, so most of the
#: compared fakes go through the swap draws.
POOL = 3


def build_translation(name, weights=None):
    keras.utils.set_random_seed(1)
    pix2pix = name == "pix2pix"
    if name in SPEECH_NETWORKS:
        model = build_speech(name)
    else:
        generator = (UNetTranslator(image_size=16, filters=4, norm="instance") if pix2pix
                     else ResNetTranslator(image_size=16, filters=4, blocks=1))
        discriminator = PatchGANDiscriminator(image_size=16, filters=4, strided_layers=2,
                                              condition_channels=1 if pix2pix else 0)
        options = {} if pix2pix else {"pool_size": POOL}
        model = GANS.get(name)(generator, discriminator, seed=7, **options)
    # CycleGAN under SGD (see ``compiled``): under Adam (1e-3, β₁ = 0.5) its generators
    # differed by 2e-3 after two steps on an AVX2-only host without oneDNN, as much as they
    # moved. Under SGD 0.03 step 1 agrees to 5e-8 but step 2's generator update differs by
    # 2e-4 while every network's weights and D agree to 5e-8 (round-off amplified after a
    # large first step; the amplifier not isolated); at 0.01 both steps agree to 3e-7 and
    # the generators move 0.04.
    # The StarGANs under SGD 0.001: at 0.01 they differed by 2e-4 after two steps (moved
    # 0.06), at 0.001 by 4e-6 (moved 0.005) — a 50× smaller difference for a 10× smaller
    # step, the round-off amplification noted above rather than a first-order mismatch.
    # The banded STFT postfilter under SGD 0.05: at 0.01 its discriminator moved only 4e-4
    # in two steps (the threshold of a step that trained is 1e-3) while the replicas agreed
    # to 1.5e-8.
    def optimizer():
        return (keras.optimizers.Adam(1e-3, beta_1=0.5) if pix2pix
                else keras.optimizers.SGD(0.001 if name.startswith("stargan")
                                          else 0.05 if name == "ganpf_stft" else 0.01))

    model.compile(d_optimizer=optimizer(), g_optimizer=optimizer(),
                  objective="non_saturating" if pix2pix else "least_squares")
    for network, values in (weights or {}).items():
        getattr(model, network).set_weights(values)
    return model


def run_translation(name):
    rng = np.random.default_rng(0)
    pairs = rng.uniform(-1, 1, (2, BATCH * STEPS, 16, 16, 1)).astype(np.float32)

    def batches():
        if name in SPEECH_NETWORKS:
            return speech_batches(name)
        return tf.data.Dataset.from_tensor_slices((pairs[0], pairs[1])).batch(BATCH)

    single = build_translation(name)
    start = {network: getattr(single, network).get_weights() for network in TRANSLATION[name]}
    single.run_eagerly = EAGER_REFERENCE
    single.fit(batches(), epochs=1, verbose=0)
    mirrored, strategy = trained_on_two_replicas(lambda: build_translation(name, start),
                                                 batches())
    def largest_difference(networks):
        return max((float(np.max(np.abs(a - b))) for network in networks
                    for a, b in zip(getattr(single, network).get_weights(),
                                    getattr(mirrored, network).get_weights(), strict=True)),
                   default=0.0)

    # The pools hold images: outputs, which amplify the weights' round-off (measured: 2.5e-6
    # in G's weights, 1.1e-5 in its images); reported on their own.
    pools = ("pool_a", "pool_b") if name == "cyclegan" else ()
    moved = min(max(float(np.max(np.abs(a - b))) for a, b in zip(
        start[network], getattr(single, network).get_weights(), strict=True))
        for network in TRANSLATION[name])
    return {"model": name, "max_diff": largest_difference(TRANSLATION[name]),
            "pool_diff": largest_difference(pools), "moved": moved,
            "steps": int(mirrored.step_counter.numpy()),
            "replicas": strategy.num_replicas_in_sync}


if __name__ == "__main__":
    print(json.dumps([run_translation(name) if name in TRANSLATION else run(name)
                      for name in sys.argv[1].split(",")]))
