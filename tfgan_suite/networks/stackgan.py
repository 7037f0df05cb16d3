"""StackGAN's networks (Zhang et al., ICCV 2017, arXiv:1612.03242; hanzhanggit/StackGAN
``stageI/model.py``, ``stageII/model.py``; ../shared/families.md §10), for text-like
conditions (``data/descriptions.py``) given as condition ids.

- ``stackgan1`` (Stage-I generator): [z, labels] → a low-resolution image. z packs the noise
  (``latent_dim``) and the conditioning augmentation's ε (``condition_dim``): φ_t =
  TextEmbedding(labels), ĉ = μ + σ ⊙ ε (``layers/conditioning.py``); [noise, ĉ] → dense →
  nearest ×2 + conv3×3 + BN + ReLU blocks → conv3×3 → tanh.
- ``stackgan2`` (Stage-II generator): the trained Stage-I generator, **frozen**
  (``trainable = False``: its weights never change, its BatchNorm runs in inference mode),
  draws the low-resolution image; Stage-II encodes it (conv3×3, conv4×4 stride 2), joins its
  **own** ĉ tiled spatially, refines with residual blocks and up-samples (nearest ×2 + conv)
  to the final side — no z of its own beyond its ε. z = [Stage-I's z, Stage-II's ε], so the
  whole chain is one ``[z, labels] → image`` network (sampling, EMA, export, TFLite).
- ``stackgan`` (discriminator, either stage): 4×4 stride-2 convolutions with LReLU 0.2 down
  to a side ≤ 7 (or odd); the text compressed to ``condition_dim`` by FC + LReLU, tiled and
  concatenated; 1×1 conv + LReLU; dense to the logit. No BatchNorm (the reference's D has it:
  dropped so that replicas stay equivalent; ``dropout`` is available instead).

The generator's ``conditioning(z, labels)`` returns the trainable CA's (μ, log σ) for the KL
term of the generator's loss (``gans/stackgan.py``).
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import keras
import tensorflow as tf

from tfgan_suite.data import descriptions as descriptions_lib
from tfgan_suite.layers import NearestUpsample2D
from tfgan_suite.layers.conditioning import ConditioningAugmentation, TextEmbedding
from tfgan_suite.networks.base import Network, register_discriminator, register_generator
from tfgan_suite.networks.dcgan import label_input_layer


def _check_descriptions(field: str, descriptions, num_classes) -> tuple[str, ...]:
    texts = descriptions_lib.resolve(descriptions, field=f"{field}.descriptions")
    if num_classes is not None and len(texts) != int(num_classes):
        raise ValueError(f"{field}.descriptions: one description per condition id: "
                         f"{len(texts)} descriptions for num_classes {num_classes}")
    return texts


def _bn_relu(x, name: str):
    # Synchronised: under a distribution strategy the statistics are the global batch's.
    x = keras.layers.BatchNormalization(synchronized=True, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def _up_block(x, width: int, name: str):
    x = NearestUpsample2D(name=f"{name}_up")(x)
    x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    return _bn_relu(x, name)


def _start_side(image_size: int) -> int:
    side = image_size
    while side % 2 == 0 and side > 7:
        side //= 2
    return side


class _StackGenerator(Network):
    """What both stages share: the view of the trainable CA's (μ, log σ)."""

    #: the name of the trainable conditioning-augmentation layer
    CA_LAYER = ""

    def conditioning(self, z: tf.Tensor, labels, training: bool = False
                     ) -> tuple[tf.Tensor, tf.Tensor]:
        """(μ, log σ) of the trainable conditioning augmentation for ``labels``."""
        view = self.__dict__.get("_conditioning_view")
        if view is None:  # kept out of Keras' tracking: the layers are the generator's own
            _, mu, log_sigma = self.get_layer(self.CA_LAYER).output
            view = keras.Model(self.inputs, [mu, log_sigma])
            self.__dict__["_conditioning_view"] = view
        return tuple(view([z, labels], training=training))

    @property
    def descriptions(self) -> tuple[str, ...]:
        return tuple(self.get_layer(self.CA_LAYER.replace("_ca", "_text")).descriptions)


@register_generator("stackgan1")
class StackGANStage1Generator(_StackGenerator):
    """StackGAN's Stage-I generator (module docstring).

    Args:
        latent_dim: noise size; z has ``latent_dim + condition_dim`` entries.
        condition_dim: width of ĉ (StackGAN: 128).
        embedding_dim: width of φ_t.
        image_size: Stage-I side (14 for 28-px Fashion-MNIST).
        channels: image channels.
        base_filters: width of the last block (doubled per earlier block).
        descriptions: ``fashion_mnist``, ``glyphs`` or a list, one text per condition id.
        num_classes: number of condition ids (from the dataset).
    """

    CA_LAYER = "s1_ca"

    def __init__(self, latent_dim: int = 64, condition_dim: int = 32, embedding_dim: int = 64,
                 image_size: int = 14, channels: int = 1, base_filters: int = 64,
                 descriptions: Union[str, Sequence[str]] = "fashion_mnist",
                 num_classes: Optional[int] = None, name: str = "stackgan1_generator",
                 **kwargs):
        texts = _check_descriptions("generator", descriptions, num_classes)
        start = _start_side(image_size)
        blocks = 0
        while start * 2 ** blocks < image_size:
            blocks += 1
        z = keras.Input((latent_dim + condition_dim,), name="z")
        labels = label_input_layer()
        noise, epsilon = z[:, :latent_dim], z[:, latent_dim:]
        embedding = TextEmbedding(texts, embedding_dim, name="s1_text")(labels)
        condition, _, _ = ConditioningAugmentation(condition_dim, name="s1_ca")(
            [embedding, epsilon])
        x = keras.layers.Concatenate(name="s1_noise_and_condition")([noise, condition])
        width = base_filters * 2 ** blocks
        x = keras.layers.Dense(start * start * width, use_bias=False, name="s1_project")(x)
        x = keras.layers.Reshape((start, start, width), name="s1_reshape")(x)
        x = _bn_relu(x, "s1_project")
        for block in range(blocks):
            width //= 2
            x = _up_block(x, width, f"s1_block{block}")
        image = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh",
                                    dtype="float32", name="s1_to_image")(x)
        self._finish([z, labels], image, name, {
            "latent_dim": latent_dim, "condition_dim": condition_dim,
            "embedding_dim": embedding_dim, "image_size": image_size, "channels": channels,
            "base_filters": base_filters,
            "descriptions": descriptions if isinstance(descriptions, str) else list(texts),
            "num_classes": num_classes}, **kwargs)


def load_stage1(run: Optional[str], load_run: Optional[Callable[[str], Any]]
                ) -> StackGANStage1Generator:
    """The trained Stage-I generator of ``run`` (its averaged weights when it has an EMA),
    loaded by ``load_run`` (``runs.load_run``: a run needs the whole factory, which sits
    above the networks, so the factory hands the loader down)."""
    if not run:
        raise ValueError("generator.stage1_run: the Stage-II generator needs a trained "
                         "Stage-I run (model stackgan, generator.name stackgan1); got none")
    if load_run is None:
        raise ValueError("generator.stage1_run: loading a run needs a run loader; build "
                         "Stage-II through tfgan_suite.train / load_run, or pass "
                         "load_run=runs.load_run")
    try:
        model = load_run(run)
    except (ValueError, OSError) as error:
        raise ValueError(f"generator.stage1_run: no trained Stage-I run at {run!r} "
                         f"({error})") from None
    trained = model.sampling_generator
    if not isinstance(trained, StackGANStage1Generator):
        raise ValueError(f"generator.stage1_run: {run!r} is a {trained.name} run; accepted: "
                         "a run of model stackgan with generator.name stackgan1")
    stage1 = StackGANStage1Generator.from_config(trained.get_config())
    stage1.set_weights(trained.get_weights())
    return stage1


@register_generator("stackgan2")
class StackGANStage2Generator(_StackGenerator):
    """StackGAN's Stage-II generator around a frozen Stage-I one (module docstring).

    Args:
        stage1_run: the run directory of a trained Stage-I model (its EMA generator is
            loaded and frozen).
        stage1: the Stage-I generator's config instead (set by ``get_config``; its weights
            then come from this network's own checkpoint).
        load_run: loads ``stage1_run`` (``runs.load_run``; the factory passes it).
        condition_dim, embedding_dim: Stage-II's own conditioning augmentation.
        image_size: final side (the Stage-I side × 2^k, k ≥ 1).
        channels: image channels.
        base_filters: width of the encoder's first conv (the residual blocks use twice it).
        residual_blocks: refinement blocks at the encoded side (StackGAN: 4).
        num_classes: number of condition ids (must match Stage-I's).
    """

    CA_LAYER = "s2_ca"

    def __init__(self, stage1_run: Optional[str] = None, stage1: Optional[dict] = None,
                 condition_dim: int = 32, embedding_dim: int = 64, image_size: int = 28,
                 channels: int = 1, base_filters: int = 32, residual_blocks: int = 2,
                 num_classes: Optional[int] = None, name: str = "stackgan2_generator",
                 load_run: Optional[Callable[[str], Any]] = None, **kwargs):
        if stage1 is not None:
            first = StackGANStage1Generator.from_config(dict(stage1))
        else:
            first = load_stage1(stage1_run, load_run)
        first.trainable = False
        config = first.get_config()
        if num_classes is not None and config["num_classes"] not in (None, num_classes):
            raise ValueError(f"generator.num_classes: the Stage-I run has "
                             f"{config['num_classes']} conditions, this data {num_classes}")
        low_side = config["image_size"]
        side = low_side // 2
        if low_side % 2 or image_size % side or (image_size // side) & (image_size // side - 1) \
                or image_size <= low_side:
            raise ValueError(f"generator.image_size: Stage-II needs the Stage-I side "
                             f"({low_side}, even) times a power of two ≥ 2, got {image_size!r}")
        first_dim = first.inputs[0].shape[-1]
        z = keras.Input((first_dim + condition_dim,), name="z")
        labels = label_input_layer()
        low = first([z[:, :first_dim], labels])
        embedding = TextEmbedding(first.descriptions, embedding_dim, name="s2_text")(labels)
        condition, _, _ = ConditioningAugmentation(condition_dim, name="s2_ca")(
            [embedding, z[:, first_dim:]])
        x = keras.layers.Conv2D(base_filters, 3, padding="same", name="s2_encode_conv")(low)
        x = keras.layers.ReLU(name="s2_encode_relu")(x)
        width = 2 * base_filters
        x = keras.layers.Conv2D(width, 4, strides=2, padding="same", use_bias=False,
                                name="s2_encode_down")(x)
        x = _bn_relu(x, "s2_encode_down")
        tiled = keras.layers.Reshape((1, 1, condition_dim), name="s2_condition_map")(condition)
        tiled = keras.ops.tile(tiled, (1, side, side, 1))  # static shapes (TFLite builtins)
        x = keras.layers.Concatenate(name="s2_joint")([x, tiled])
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name="s2_joint_conv")(x)
        x = _bn_relu(x, "s2_joint")
        for block in range(residual_blocks):
            skip = x
            x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False,
                                    name=f"s2_res{block}_conv0")(x)
            x = _bn_relu(x, f"s2_res{block}_0")
            x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False,
                                    name=f"s2_res{block}_conv1")(x)
            x = keras.layers.BatchNormalization(synchronized=True, name=f"s2_res{block}_bn1")(x)
            x = keras.layers.ReLU(name=f"s2_res{block}_out")(
                keras.layers.Add(name=f"s2_res{block}_add")([skip, x]))
        block = 0
        while side < image_size:
            width = max(width // 2, 8)
            x = _up_block(x, width, f"s2_block{block}")
            side, block = side * 2, block + 1
        image = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh",
                                    dtype="float32", name="s2_to_image")(x)
        self._finish([z, labels], image, name, {
            "stage1_run": stage1_run, "stage1": config, "condition_dim": condition_dim,
            "embedding_dim": embedding_dim, "image_size": image_size, "channels": channels,
            "base_filters": base_filters, "residual_blocks": residual_blocks,
            "num_classes": num_classes}, **kwargs)

    @property
    def stage1(self) -> StackGANStage1Generator:
        """The frozen Stage-I generator inside this network."""
        return next(layer for layer in self.layers
                    if isinstance(layer, StackGANStage1Generator))


@register_discriminator("stackgan")
class StackGANDiscriminator(Network):
    """StackGAN's matching-aware discriminator D(x, text) → logit (module docstring).

    Args:
        image_size, channels: the judged images (the Stage-I side for Stage-I).
        base_filters: width of the first conv (doubled per stride-2 conv).
        condition_dim: width the text is compressed to.
        embedding_dim: width of D's own φ_t.
        descriptions: as the generator's.
        dropout: after each stride-2 conv.
        num_classes: number of condition ids.
    """

    def __init__(self, image_size: int = 28, channels: int = 1, base_filters: int = 32,
                 condition_dim: int = 32, embedding_dim: int = 64,
                 descriptions: Union[str, Sequence[str]] = "fashion_mnist",
                 dropout: float = 0.0, num_classes: Optional[int] = None,
                 name: str = "stackgan_discriminator", **kwargs):
        texts = _check_descriptions("discriminator", descriptions, num_classes)
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"discriminator.dropout: must be in [0, 1), got {dropout!r}")
        images = keras.Input((image_size, image_size, channels), name="images")
        labels = label_input_layer()
        x, side, width, index = images, image_size, base_filters, 0
        while index == 0 or (side > 7 and side % 2 == 0):
            x = keras.layers.Conv2D(width, 4, strides=2, padding="same", name=f"down_{index}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"down_lrelu_{index}")(x)
            if dropout:
                x = keras.layers.Dropout(float(dropout), name=f"dropout_{index}")(x)
            side, width, index = (side + 1) // 2, width * 2, index + 1
        text = TextEmbedding(texts, embedding_dim, name="d_text")(labels)
        text = keras.layers.Dense(condition_dim, name="text_compress")(text)
        text = keras.layers.LeakyReLU(0.2, name="text_lrelu")(text)
        text = keras.layers.Reshape((1, 1, condition_dim), name="text_map")(text)
        text = keras.layers.UpSampling2D(side, name="text_maps")(text)
        x = keras.layers.Concatenate(name="image_and_text")([x, text])
        x = keras.layers.Conv2D(width // 2, 1, name="joint_conv")(x)
        x = keras.layers.LeakyReLU(0.2, name="joint_lrelu")(x)
        x = keras.layers.Flatten(name="flatten")(x)
        logit = keras.layers.Dense(1, dtype="float32", name="logit")(x)
        self._finish([images, labels], logit, name, {
            "image_size": image_size, "channels": channels, "base_filters": base_filters,
            "condition_dim": condition_dim, "embedding_dim": embedding_dim,
            "descriptions": descriptions if isinstance(descriptions, str) else list(texts),
            "dropout": float(dropout), "num_classes": num_classes}, **kwargs)
