"""DCGAN generator and discriminator (Radford et al. 2016) for 28, 32 and 64 px images.

Generator: z → dense to a 7×7 (28 px) or 4×4 (32, 64 px) map → stride-2 transposed
convolutions (BatchNorm + ReLU) that halve the width each time → tanh image.
Discriminator: stride-2 convolutions (LeakyReLU 0.2) that double the width each time,
optional BatchNorm / LayerNorm, optional spectral normalisation on every layer → logit.

Class conditioning (``gans/conditional.py``): ``conditional=True`` gives the generator
inputs ``[z, labels]`` with the one-hot label concatenated to z (Mirza & Osindero 2014);
``label_input: probabilities`` takes a probability vector s [B, K] in place of the one-hot
row (CP-GAN), and ``conditional_bn`` makes every BatchNorm class-conditional, its gain and
bias linear in s (de Vries et al. 2017; CP-GAN's ``condbatchnorm.py``).
The discriminator's ``conditioning`` is ``concat`` (one-hot label maps join the image
channels), ``projection`` (Miyato & Koyama 2018, on the flattened features) or
``auxiliary`` (AC-GAN: a second output of class logits). S3GAN's heads (Lucic et al. 2019):
``rotation_head`` adds 4 rotation logits; ``label_predictor`` (projection only) adds a linear
class predictor whose argmax, without gradient, is the projection label of the examples
labelled −1. Outputs are ``[logits, rotation_logits?, class_logits?]`` in that order.

Also here: the TensorFlow DCGAN tutorial's 28 px networks (``dcgan_tutorial``), kept as
written there so the tutorial is a baseline the suite is measured against.
"""

from __future__ import annotations

from typing import Optional

import keras

from tfgan_suite.layers import (
    BlurVH,
    ConditionalBatchNorm,
    PredictedLabels,
    ProjectionHead,
    maybe_spectral_norm,
)
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

#: image size → (start resolution, number of stride-2 stages)
GEOMETRY = {28: (7, 2), 32: (4, 3), 64: (4, 4)}
CONDITIONING = ("none", "concat", "projection", "auxiliary")
LABEL_INPUTS = ("ids", "probabilities")
NUM_ROTATIONS = 4


def check_num_classes(field: str, num_classes, needed: bool) -> None:
    """A conditional network needs ``num_classes`` (filled in from labelled datasets)."""
    if needed and (not isinstance(num_classes, int) or num_classes < 2):
        raise ValueError(f"{field}.num_classes: a conditional network needs an integer >= 2 "
                         f"(set by labelled datasets such as fashion_mnist), got "
                         f"{num_classes!r}")


def check_conditioning(conditioning: str) -> None:
    if conditioning not in CONDITIONING:
        raise ValueError(f"discriminator.conditioning: unknown value {conditioning!r}; "
                         f"accepted: {', '.join(CONDITIONING)}")


def label_input_layer() -> keras.KerasTensor:
    return keras.Input((), dtype="int32", name="labels")


def one_hot(labels, num_classes: int, name: str):
    """One-hot rows as a frozen identity embedding: a table lookup (GATHER), which TFLite
    quantises cleanly (CategoryEncoding's one_hot gave int8 models a 0.18 mean error)."""
    table = keras.layers.Embedding(num_classes, num_classes, embeddings_initializer="identity",
                                   trainable=False, name=name)
    return table(labels)


def _geometry(field: str, image_size: int) -> tuple[int, int]:
    if image_size not in GEOMETRY:
        raise ValueError(f"{field}.image_size: unsupported value {image_size!r}; accepted: "
                         f"{', '.join(map(str, GEOMETRY))}")
    return GEOMETRY[image_size]


@register_generator("dcgan")
class DCGANGenerator(Network):
    """z [batch, latent_dim] → images [batch, image_size, image_size, channels] in [−1, 1].

    Args:
        latent_dim: size of z.
        image_size: 28, 32 or 64.
        channels: output channels (1 for Fashion-MNIST, 3 for RGB).
        base_filters: width of the last hidden stage; earlier stages double it.
        kernel_size: transposed-convolution kernel size.
        num_classes: classes of the labels (conditional only; filled in from the data).
        conditional: inputs ``[z, labels]``, the one-hot label concatenated to z.
        label_input: ``ids`` (int labels [B]) or ``probabilities`` (float [B, K] rows used in
            place of the one-hot label).
        conditional_bn: every BatchNorm's gain and bias are linear maps of the one-hot /
            probability vector (zero-initialised: the network starts as the plain one).
    """

    def __init__(self, latent_dim: int = 64, image_size: int = 32, channels: int = 1,
                 base_filters: int = 64, kernel_size: int = 4,
                 num_classes: Optional[int] = None, conditional: bool = False,
                 label_input: str = "ids", conditional_bn: bool = False,
                 name: str = "dcgan_generator", **kwargs):
        start, stages = _geometry("generator", image_size)
        check_num_classes("generator", num_classes, conditional)
        if label_input not in LABEL_INPUTS:
            raise ValueError(f"generator.label_input: unknown value {label_input!r}; "
                             f"accepted: {', '.join(LABEL_INPUTS)}")
        if conditional_bn and not conditional:
            raise ValueError("generator.conditional_bn: needs generator.conditional: true")
        z = keras.Input((latent_dim,), name="z")
        inputs, x, condition = z, z, None
        if conditional:
            if label_input == "ids":
                labels = label_input_layer()
                condition = one_hot(labels, num_classes, "label_one_hot")
            else:
                labels = condition = keras.Input((num_classes,), name="labels")
            inputs = [z, labels]
            x = keras.layers.Concatenate(name="z_and_label")([z, condition])

        def norm(x, name):
            if conditional_bn:
                return ConditionalBatchNorm(name=name)([x, condition])
            return keras.layers.BatchNormalization(name=name)(x)

        width = base_filters * 2 ** (stages - 1)
        x = keras.layers.Dense(start * start * width, use_bias=False, name="project")(x)
        x = keras.layers.Reshape((start, start, width), name="reshape")(x)
        x = norm(x, "project_bn")
        x = keras.layers.ReLU(name="project_relu")(x)
        for stage in range(stages - 1):
            width //= 2
            x = keras.layers.Conv2DTranspose(width, kernel_size, strides=2, padding="same",
                                             use_bias=False, name=f"up_{stage}")(x)
            x = norm(x, f"bn_{stage}")
            x = keras.layers.ReLU(name=f"relu_{stage}")(x)
        x = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                         name="to_image")(x)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        self.latent_dim = latent_dim
        self._finish(inputs, images, name, dict(latent_dim=latent_dim, image_size=image_size,
                                                channels=channels, base_filters=base_filters,
                                                kernel_size=kernel_size,
                                                num_classes=num_classes,
                                                conditional=conditional,
                                                label_input=label_input,
                                                conditional_bn=conditional_bn), **kwargs)


@register_discriminator("dcgan")
class DCGANDiscriminator(Network):
    """images [batch, image_size, image_size, channels] → logit [batch, 1].

    Args:
        image_size: 28, 32 or 64.
        channels: input channels.
        base_filters: width of the first convolution; each stage doubles it.
        kernel_size: convolution kernel size.
        norm: ``none`` | ``batch`` | ``layer`` after every convolution but the first.
        spectral_norm: spectral normalisation on every convolution and the output layer.
        dropout: dropout rate after each activation (0 disables it).
        num_classes: classes of the labels (conditional only; filled in from the data).
        conditioning: ``none``; ``concat`` (inputs ``[images, labels]``, one-hot label maps
            concatenated to the image channels); ``projection`` (inputs ``[images,
            labels]``, logit ψ(φ) + ⟨embed(y), φ⟩ on the flattened features φ);
            ``auxiliary`` (outputs ``[logits, class_logits]``, AC-GAN).
        rotation_head: S3GAN: also output 4 rotation logits (0, 90, 180, 270 degrees).
        label_predictor: S3GAN (``projection`` only): also output class logits of a linear
            predictor; examples labelled −1 are projected with its argmax (no gradient).
        input_blur: NR-GAN's "blurvh" for Poisson-noised data: the convolutions see the
            vertical and horizontal [1, 2, 1]/4 blurs of the image (2·channels), not the
            image (``layers/blur.py``).
        q_width: InfoGAN-style models: also output Q's ``q_width`` code parameters from the
            shared trunk (Chen et al.'s head: dense 128 → BatchNorm, synchronised across
            replicas → LeakyReLU → dense);
            0: no Q head. The models fill it in from their codes.
    """

    def __init__(self, image_size: int = 32, channels: int = 1, base_filters: int = 64,
                 kernel_size: int = 4, norm: str = "none", spectral_norm: bool = False,
                 dropout: float = 0.0, num_classes: Optional[int] = None,
                 conditioning: str = "none", rotation_head: bool = False,
                 label_predictor: bool = False, input_blur: bool = False, q_width: int = 0,
                 name: str = "dcgan_discriminator", **kwargs):
        _, stages = _geometry("discriminator", image_size)
        if norm not in ("none", "batch", "layer"):
            raise ValueError(f"discriminator.norm: unknown value {norm!r}; accepted: "
                             "none, batch, layer")
        check_conditioning(conditioning)
        check_num_classes("discriminator", num_classes, conditioning != "none")
        if label_predictor and conditioning != "projection":
            raise ValueError("discriminator.label_predictor: needs conditioning: projection "
                             f"(the predicted labels are projected), got {conditioning!r}")
        if q_width and (rotation_head or label_predictor or conditioning == "auxiliary"):
            raise ValueError("discriminator.q_width: a Q head goes with conditioning none, "
                             "concat or projection and no rotation / predictor heads")
        if rotation_head and conditioning == "auxiliary":
            raise ValueError("discriminator.rotation_head: accepted with conditioning none, "
                             "concat or projection, got auxiliary")
        images = keras.Input((image_size, image_size, channels), name="images")
        inputs, x = images, images
        if input_blur:
            x = BlurVH(name="blur_vh")(images)
        if conditioning in ("concat", "projection"):
            labels = label_input_layer()
            inputs = [images, labels]
        if conditioning == "concat":
            maps = keras.layers.Reshape((1, 1, num_classes), name="label_map")(
                one_hot(labels, num_classes, "label_one_hot"))
            maps = keras.layers.UpSampling2D(image_size, name="label_maps")(maps)
            x = keras.layers.Concatenate(name="image_and_label")([x, maps])
        width = base_filters
        for stage in range(stages):
            conv = keras.layers.Conv2D(width, kernel_size, strides=2, padding="same",
                                       name=f"conv_{stage}")
            x = maybe_spectral_norm(conv, spectral_norm)(x)
            if stage > 0 and norm == "batch":
                x = keras.layers.BatchNormalization(name=f"bn_{stage}")(x)
            elif stage > 0 and norm == "layer":
                x = keras.layers.LayerNormalization(name=f"ln_{stage}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"lrelu_{stage}")(x)
            if dropout:
                x = keras.layers.Dropout(dropout, name=f"dropout_{stage}")(x)
            width *= 2
        x = keras.layers.Flatten(name="flatten")(x)
        class_logits = None
        if label_predictor:
            class_logits = maybe_spectral_norm(keras.layers.Dense(num_classes, name="predictor"),
                                               spectral_norm)(x)
            labels = PredictedLabels(name="projection_labels")([labels, class_logits])
        outputs = _logit_outputs(x, conditioning, num_classes, spectral_norm,
                                 None if conditioning != "projection" else labels)
        if q_width:
            hidden = keras.layers.Dense(128, name="q_hidden")(x)
            # Synchronised: under a distribution strategy the statistics are the global
            # batch's, so a 2-replica step equals the 1-device step.
            hidden = keras.layers.BatchNormalization(synchronized=True, name="q_bn")(hidden)
            hidden = keras.layers.LeakyReLU(0.2, name="q_lrelu")(hidden)
            q = keras.layers.Dense(int(q_width), name="q")(hidden)
            outputs = [outputs, keras.layers.Activation("linear", dtype="float32",
                                                        name="q_outputs")(q)]
        if rotation_head or label_predictor:
            outputs = [outputs]
            if rotation_head:
                rotation = maybe_spectral_norm(
                    keras.layers.Dense(NUM_ROTATIONS, name="rotation"), spectral_norm)(x)
                outputs.append(keras.layers.Activation("linear", dtype="float32",
                                                       name="rotation_logits")(rotation))
            if label_predictor:
                outputs.append(keras.layers.Activation("linear", dtype="float32",
                                                       name="class_logits")(class_logits))
        self._finish(inputs, outputs, name, dict(image_size=image_size, channels=channels,
                                                 base_filters=base_filters,
                                                 kernel_size=kernel_size, norm=norm,
                                                 spectral_norm=spectral_norm, dropout=dropout,
                                                 num_classes=num_classes,
                                                 conditioning=conditioning,
                                                 rotation_head=rotation_head,
                                                 label_predictor=label_predictor,
                                                 input_blur=input_blur, q_width=q_width),
                     **kwargs)


def _logit_outputs(features, conditioning: str, num_classes, spectral_norm: bool, labels=None):
    """The logit (and for ``auxiliary`` the class logits) of a discriminator's features."""
    if conditioning == "projection":
        logit = ProjectionHead(num_classes, spectral_norm=spectral_norm,
                               name="projection")([features, labels])
    else:
        logit = maybe_spectral_norm(keras.layers.Dense(1, name="logit"), spectral_norm)(features)
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logit)
    if conditioning != "auxiliary":
        return logits
    classes = maybe_spectral_norm(keras.layers.Dense(num_classes, name="classifier"),
                                  spectral_norm)(features)
    return [logits, keras.layers.Activation("linear", dtype="float32",
                                            name="class_logits")(classes)]


@register_generator("dcgan_tutorial")
class TutorialGenerator(Network):
    """The TensorFlow DCGAN tutorial's generator (28 px): z → Dense 7·7·256 → BN, LeakyReLU →
    transposed convs 128 (stride 1), 64 (stride 2), each with BN and LeakyReLU → 1 (stride 2),
    tanh. 5×5 kernels, no biases, as in the tutorial.

    Args:
        latent_dim: size of z (the tutorial's ``noise_dim`` is 100).
        image_size: must be 28.
        channels: output channels.
    """

    def __init__(self, latent_dim: int = 100, image_size: int = 28, channels: int = 1,
                 name: str = "dcgan_tutorial_generator", **kwargs):
        if image_size != 28:
            raise ValueError(f"generator.image_size: dcgan_tutorial accepts 28, got "
                             f"{image_size!r}")
        z = keras.Input((latent_dim,), name="z")
        x = keras.layers.Dense(7 * 7 * 256, use_bias=False, name="project")(z)
        x = keras.layers.BatchNormalization(name="project_bn")(x)
        x = keras.layers.LeakyReLU(0.3, name="project_lrelu")(x)
        x = keras.layers.Reshape((7, 7, 256), name="reshape")(x)
        for filters, strides in ((128, 1), (64, 2)):
            x = keras.layers.Conv2DTranspose(filters, 5, strides=strides, padding="same",
                                             use_bias=False, name=f"up_{filters}")(x)
            x = keras.layers.BatchNormalization(name=f"bn_{filters}")(x)
            x = keras.layers.LeakyReLU(0.3, name=f"lrelu_{filters}")(x)
        x = keras.layers.Conv2DTranspose(channels, 5, strides=2, padding="same", use_bias=False,
                                         name="to_image")(x)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        self.latent_dim = latent_dim
        self._finish(z, images, name, dict(latent_dim=latent_dim, image_size=image_size,
                                           channels=channels), **kwargs)


@register_discriminator("dcgan_tutorial")
class TutorialDiscriminator(Network):
    """The TensorFlow DCGAN tutorial's discriminator (28 px): conv 64 and 128 (5×5, stride 2),
    each followed by LeakyReLU and dropout 0.3 → flatten → Dense(1) logit.

    Args:
        image_size: must be 28.
        channels: input channels.
        dropout: the tutorial's 0.3.
    """

    def __init__(self, image_size: int = 28, channels: int = 1, dropout: float = 0.3,
                 name: str = "dcgan_tutorial_discriminator", **kwargs):
        if image_size != 28:
            raise ValueError(f"discriminator.image_size: dcgan_tutorial accepts 28, got "
                             f"{image_size!r}")
        images = keras.Input((image_size, image_size, channels), name="images")
        x = images
        for filters in (64, 128):
            x = keras.layers.Conv2D(filters, 5, strides=2, padding="same",
                                    name=f"conv_{filters}")(x)
            x = keras.layers.LeakyReLU(0.3, name=f"lrelu_{filters}")(x)
            x = keras.layers.Dropout(dropout, name=f"dropout_{filters}")(x)
        x = keras.layers.Flatten(name="flatten")(x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(
            keras.layers.Dense(1, name="logit")(x))
        self._finish(images, logits, name, dict(image_size=image_size, channels=channels,
                                                dropout=dropout), **kwargs)
