"""Checks of a generator / discriminator pair when an ``AdversarialModel`` is built.

Without them a wrong pair trains silently (a discriminator with 10 outputs: the objectives
average every element) or fails deep inside Keras without naming G, D or a shape (a
discriminator built for 32×32 behind a 28×28 generator; keras-io's argument order
``(discriminator, generator, latent_dim)``). Each check raises one ``ValueError`` line that
names the argument and the shapes.

Subclassed networks (no ``inputs`` until called) are built here from ``latent_dim``: the
generator on a batch of z, the discriminator on the generator's output. That happens in the
model's constructor — inside the caller's ``strategy.scope()``, before ``compile`` builds
the optimizers on their variables.
"""

from __future__ import annotations

from typing import Optional

import keras
import numpy as np

#: Batch of the dummy z a subclassed generator is built with.
_BUILD_BATCH = 2


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _shape(shape) -> tuple:
    return tuple(None if d is None else int(d) for d in shape)


def _format(shape) -> str:
    return "[" + ", ".join("None" if d is None else str(d) for d in shape) + "]"


def functional_shapes(network: keras.Model) -> Optional[tuple[list, list]]:
    """(input shapes, output shapes) of a network whose graph is known (functional or
    Sequential with an input), else None."""
    try:
        inputs, outputs = network.inputs, network.outputs
    except (AttributeError, ValueError):
        return None
    if not inputs or not outputs:
        return None
    return [_shape(x.shape) for x in inputs], [_shape(y.shape) for y in outputs]


def latent_size(generator: keras.Model) -> int:
    """Size of z read from the generator's (first) input."""
    shapes = functional_shapes(generator)
    if shapes is None or shapes[0][0][-1] is None:
        raise ValueError(f"latent_dim=: cannot read the size of z from the generator "
                         f"{generator.name!r} (no known input shape); pass "
                         "AdversarialModel(..., latent_dim=N)")
    return int(shapes[0][0][-1])


def _compatible(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is None or y is None or x == y
                                    for x, y in zip(a, b, strict=True))


def check_not_swapped(generator: keras.Model, discriminator: keras.Model) -> None:
    """A discriminator passed as ``generator=`` (and a generator as ``discriminator=``), as
    keras-io's ``(discriminator, generator, latent_dim)`` order does."""
    g, d = functional_shapes(generator), functional_shapes(discriminator)
    if g is None or d is None or len(g[0]) != 1 or len(d[0]) != 1:
        return
    (g_in,), (d_in,) = g[0], d[0]
    g_out, d_out = g[1][0], d[1][0]
    if len(g_in) > 2 and len(d_in) == 2 and g_out[1:] == (1,) and _compatible(d_out, g_in):
        raise ValueError(
            f"generator= / discriminator=: swapped — generator= maps {_format(g_in)} → "
            f"{_format(g_out)} (a discriminator) and discriminator= maps {_format(d_in)} → "
            f"{_format(d_out)} (a generator); pass AdversarialModel(generator=G, "
            "discriminator=D) (keras-io's order is (discriminator, generator, latent_dim))")


def build_if_needed(generator: keras.Model, discriminator: keras.Model,
                    latent_dim: Optional[int]) -> Optional[tuple]:
    """Builds unbuilt (subclassed) networks: G on z of ``latent_dim``, D on G's output.

    Returns the shape G produced when it had to be called (None when both were built).
    """
    if generator.built and discriminator.built:
        return None
    if not generator.built:
        if latent_dim is None:
            raise ValueError(
                f"latent_dim=: the generator {generator.name!r} is not built, so the size of "
                "z is unknown; pass AdversarialModel(..., latent_dim=N) or build it first "
                "(generator.build((None, N)) or call it on a batch)")
        z = np.zeros([_BUILD_BATCH, int(latent_dim)], np.float32)
        try:
            fake = generator(z, training=False)
        except Exception as error:  # noqa: BLE001 — reported with the argument named
            raise ValueError(f"generator=: calling it on z of shape {_format(z.shape)} "
                             f"failed: {_first_line(error)}") from error
    else:
        shapes = functional_shapes(generator)
        if shapes is None or None in shapes[1][0][1:]:
            raise ValueError(
                f"discriminator=: {discriminator.name!r} is not built and the generator's "
                "output shape is unknown; build the discriminator first "
                "(discriminator.build((None, *image_shape)))")
        fake = np.zeros((_BUILD_BATCH,) + shapes[1][0][1:], np.float32)
    if isinstance(fake, (list, tuple)):
        raise ValueError("discriminator=: is not built and the generator has several "
                         "outputs; build the discriminator first")
    if not discriminator.built:
        try:
            discriminator(fake, training=False)
        except Exception as error:  # noqa: BLE001
            raise ValueError(
                f"discriminator=: calling it on the generator's output of shape "
                f"{_format(fake.shape)} failed: {_first_line(error)}") from error
    return _shape(fake.shape)


def _output_shape(network: keras.Model, input_shape: tuple) -> Optional[tuple]:
    """The network's output shape for one input of ``input_shape`` (batch 2), symbolically."""
    try:
        spec = network.compute_output_spec(
            keras.KerasTensor((_BUILD_BATCH,) + tuple(input_shape[1:])))
    except Exception:  # noqa: BLE001 — a network we cannot trace is not checked here
        return None
    if isinstance(spec, (list, tuple)):
        return None
    return _shape(spec.shape)


def check_pair(generator: keras.Model, discriminator: keras.Model, latent_dim: Optional[int],
               judges_generator_output: bool = True,
               logit_shape: Optional[tuple] = (1,)) -> None:
    """z's size when ``latent_dim`` is given (models that feed G z alone); when
    ``judges_generator_output`` (the discriminator's first input is G's output, not a
    composite of it), G's output against D's input and — when ``logit_shape`` is given
    (models whose discriminator output is the adversarial logit) — D's output per example
    (``(1,)``: ``[batch, 1]``)."""
    g = functional_shapes(generator)
    d = functional_shapes(discriminator)
    if (latent_dim is not None and g is not None and len(g[0]) == 1
            and g[0][0][-1] not in (None, latent_dim)):
        raise ValueError(f"latent_dim=: {latent_dim} does not match the generator's input "
                         f"{_format(g[0][0])}")
    if not judges_generator_output:
        return
    if g is not None:
        if len(g[1]) != 1:
            return  # several outputs (multi-scale models): their family checks them
        fake_shape = g[1][0]
    else:
        if latent_dim is None:
            return
        fake_shape = _output_shape(generator, (None, latent_dim))
        if fake_shape is None:
            return
    if d is not None:
        d_in = d[0][0]
        if not _compatible(d_in[1:], fake_shape[1:]):
            raise ValueError(
                f"discriminator=: takes {_format(d_in)} but the generator produces "
                f"{_format(fake_shape)}; build the discriminator for the generator's output "
                "shape")
        outputs = d[1] if len(d[1]) == 1 else None
    else:
        out = _output_shape(discriminator, fake_shape)
        outputs = None if out is None else [out]
    if logit_shape is not None and outputs is not None and outputs[0][1:] != tuple(logit_shape):
        raise ValueError(
            f"discriminator=: outputs {_format(outputs[0])}, but the adversarial objectives "
            f"need one logit per example, {_format(('batch',) + tuple(logit_shape))} (e.g. "
            "end it with Dense(1) after Flatten)")
