"""Latent codes that mean something, in one place: InfoGAN's categorical and continuous
codes, CFGAN's attribute-filtered codes and DTLC-GAN's decision-tree codes; their draws,
the generator input they make, and the mutual-information lower bound a Q network
maximises for them.

Sources: Chen et al., "InfoGAN", NIPS 2016 (arXiv:1606.03657; reference code
openai/InfoGAN ``infogan/misc/distributions.py``, ``infogan/algos/infogan_trainer.py``);
Kaneko, Hiramatsu & Kashino, "Generative Attribute Controller with Conditional Filtered
GANs" (CVPR 2017) and "Decision-Tree Latent Controller for GANs" (CVPR 2018,
arXiv:1805.10603; third-party code LynnHo/DTLC-GAN-Tensorflow ``model.py``).

A ``Code`` is one named factor:

- ``categorical`` (size k): a one-hot of c ~ Cat(k); Q gives k logits;
  L_I = log k − CE(c, Q) ≤ H(c) = log k.
- ``continuous`` (size d): c ~ U(−1, 1)^d; Q gives d means of a unit-variance Gaussian
  (the reference's ``fix_std``): L_I = −½‖c − μ‖² − (d/2)·log 2π + d·log 2 ≤ H(c), since the
  log-density of a unit Gaussian never exceeds −½ log 2π.
- ``tree`` (branching (k₁, …, k_L)): DTLC-GAN's decision tree. Layer l has
  N_l = k₁·…·k_l nodes; the drawn path selects one node per layer (node n_l = n_{l−1}·k_l
  + j_l, j_l ~ Cat(k_l)) and layer l's input block is one_hot(n_l, N_l): the children of
  every unselected parent are exact zeros, one active code per layer. Q gives N_{l−1}·k_l
  logits per layer; layer l's term is the CE of the *active parent's* k_l logits against
  j_l — the other parents' logits receive no gradient — weighted by λ_l from
  ``layer_starts[l]`` on (the curriculum; 0 before).
- ``attribute`` (CFGAN): the code's generator input is y_a·c_a, y_a ∈ {0, 1} the observed
  attribute, so with y_a = 0 the code cannot reach G (∂G/∂c_a = 0 exactly) and its MI term
  is averaged over the examples whose attribute is on only.

The MI terms enter both networks' losses (Q shares D's trunk and is trained by D's
optimizer; G learns to make its codes recoverable) with their own weight λ. Draws use the
training step's stateless streams, so they are the same for any number of replicas.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfgan_suite import ops

KINDS = ("categorical", "continuous", "tree")
_FIELD = "codes"


def lerp(a, b, t) -> np.ndarray:
    """Linear interpolation of rows: ``a``, ``b`` [n, d], ``t`` [k] → [n, k, d] with
    row i, step j = (1 − t_j)·a_i + t_j·b_i (for continuous codes, whose prior is a box)."""
    a, b, t = _interpolation_args(a, b, t)
    return (1.0 - t) * a + t * b


def slerp(a, b, t) -> np.ndarray:
    """Spherical interpolation of rows (Shoemake 1985; for GAN latents White, "Sampling
    Generative Networks", arXiv:1609.04468): ``a``, ``b`` [n, d], ``t`` [k] → [n, k, d],

        slerp(a, b; t) = sin((1 − t)·Ω)/sin Ω · a + sin(t·Ω)/sin Ω · b,
        Ω = arccos(â · b̂),

    so the path turns through the angle t·Ω from a and, for |a| = |b|, keeps the norm —
    where a Gaussian z lives, unlike a straight line, which passes close to the origin.
    Rows with sin Ω < 1e-6 (parallel or opposite) fall back to ``lerp``."""
    a, b, t = _interpolation_args(a, b, t)
    unit_a = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)
    unit_b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
    omega = np.arccos(np.clip(np.sum(unit_a * unit_b, axis=-1, keepdims=True), -1.0, 1.0))
    sin_omega = np.sin(omega)
    degenerate = sin_omega < 1e-6
    safe = np.where(degenerate, 1.0, sin_omega)
    spherical = (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / safe
    return np.where(degenerate, (1.0 - t) * a + t * b, spherical)


def _interpolation_args(a, b, t):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = np.asarray(t, np.float64).reshape(-1)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"interpolation: endpoints must both be [n, d], got {a.shape} and "
                         f"{b.shape}")
    return a[:, None, :], b[:, None, :], t[None, :, None]


@dataclasses.dataclass(frozen=True)
class Code:
    """One latent code (module docstring). ``weight`` is λ; a tree's per-layer λ_l are
    ``layer_weights`` and its curriculum ``layer_starts`` (steps)."""

    name: str
    kind: str = "categorical"
    size: int = 10
    weight: float = 1.0
    branching: tuple = ()
    layer_weights: tuple = ()
    layer_starts: tuple = ()
    attribute: Optional[int] = None

    def __post_init__(self):
        field = f"{_FIELD}.{self.name}"
        if self.kind not in KINDS:
            raise ValueError(f"{field}.kind: unknown value {self.kind!r}; accepted: "
                             f"{', '.join(KINDS)}")
        if self.kind == "tree":
            if not self.branching or any(int(k) < 2 for k in self.branching):
                raise ValueError(f"{field}.branching: a tree needs one or more layers of at "
                                 f"least 2 children each, got {self.branching!r}")
            layers = len(self.branching)
            for name in ("layer_weights", "layer_starts"):
                value = getattr(self, name)
                if value and len(value) != layers:
                    raise ValueError(f"{field}.{name}: one value per layer ({layers}), got "
                                     f"{value!r}")
        elif not (isinstance(self.size, int) and self.size >= (2 if self.kind ==
                                                                "categorical" else 1)):
            raise ValueError(f"{field}.size: must be an integer >= "
                             f"{2 if self.kind == 'categorical' else 1}, got {self.size!r}")
        if not float(self.weight) >= 0.0:
            raise ValueError(f"{field}.weight: must be >= 0, got {self.weight!r}")

    # --- shapes ----------------------------------------------------------------------------

    @property
    def nodes(self) -> list[int]:
        """Tree: N_l, the node count of each layer (N_1 = k_1, N_l = N_{l−1}·k_l)."""
        return [int(np.prod(self.branching[:i + 1])) for i in range(len(self.branching))]

    @property
    def width(self) -> int:
        """Entries of this code in the generator's input (and of Q's output)."""
        return sum(self.nodes) if self.kind == "tree" else int(self.size)

    @property
    def uniforms(self) -> int:
        """Uniform draws per example that make one value of the code."""
        return len(self.branching) if self.kind == "tree" else (
            1 if self.kind == "categorical" else int(self.size))

    def entropy(self) -> float:
        """H(c): log k; d·log 2 for U(−1, 1)^d; Σ_l log k_l for a tree path."""
        if self.kind == "categorical":
            return math.log(self.size)
        if self.kind == "continuous":
            return self.size * math.log(2.0)
        return float(sum(math.log(k) for k in self.branching))

    def layer_weight(self, layer: int, step) -> tf.Tensor:
        """λ_l of tree layer ``layer`` at ``step``: 0 before ``layer_starts[layer]``."""
        weight = float(self.layer_weights[layer]) if self.layer_weights else float(self.weight)
        start = int(self.layer_starts[layer]) if self.layer_starts else 0
        on = tf.cast(tf.cast(step, tf.int64) >= start, tf.float32)
        return weight * on

    # --- values ----------------------------------------------------------------------------

    def from_uniform(self, uniform: tf.Tensor) -> dict[str, tf.Tensor]:
        """The code's value from ``uniform`` [B, uniforms] in (0, 1): ``input`` [B, width]
        (what G receives before any attribute filter) and ``target`` (what Q must recover:
        class ids [B]; values [B, d]; a tree's per-layer child ids [B, L] and node ids)."""
        if self.kind == "continuous":
            values = 2.0 * uniform - 1.0
            return {"input": values, "target": values}
        if self.kind == "categorical":
            index = _category(uniform[:, 0], self.size)
            return {"input": tf.one_hot(index, self.size), "target": index}
        children, nodes, blocks = [], [], []
        node = tf.zeros_like(uniform[:, 0], tf.int32)
        for layer, k in enumerate(self.branching):
            child = _category(uniform[:, layer], int(k))
            node = node * int(k) + child
            children.append(child)
            nodes.append(node)
            blocks.append(tf.one_hot(node, self.nodes[layer]))
        return {"input": tf.concat(blocks, axis=-1), "target": tf.stack(children, axis=1),
                "nodes": tf.stack(nodes, axis=1)}

    def input_for(self, values) -> np.ndarray:
        """The generator input [n, width] of given values: class ids [n] (categorical),
        values [n, d] (continuous) or tree paths [n, L] (one child id per layer)."""
        values = np.asarray(values)
        if self.kind == "continuous":
            return values.reshape(len(values), self.size).astype(np.float32)
        if self.kind == "categorical":
            return np.eye(self.size, dtype=np.float32)[values.astype(np.int64)]
        nodes = self.path_nodes(values)
        return np.concatenate([np.eye(count, dtype=np.float32)[nodes[:, layer]]
                               for layer, count in enumerate(self.nodes)], axis=1)

    def path_nodes(self, paths) -> np.ndarray:
        """Tree: the node id of every layer [n, L] of child-id paths [n, L]
        (n_l = n_{l−1}·k_l + j_l, as ``from_uniform``)."""
        paths = np.asarray(paths, np.int64)
        nodes = np.zeros_like(paths)
        for layer, k in enumerate(self.branching):
            previous = nodes[:, layer - 1] if layer else 0
            nodes[:, layer] = previous * int(k) + paths[:, layer]
        return nodes

    def from_value(self, value, n: int) -> dict[str, np.ndarray]:
        """``from_uniform`` of a user's fixed value for all ``n`` examples: a class id, a
        list of d floats in [−1, 1], or a tree path (one child id per layer); errors name
        the code and the accepted range."""
        field = f"{_FIELD}.{self.name}"
        if self.kind == "continuous":
            values = np.broadcast_to(np.asarray(value, np.float32), (n, self.size))
            if np.any(np.abs(values) > 1.0):
                raise ValueError(f"{field}: continuous values lie in [-1, 1], got {value!r}")
            return {"input": values.copy(), "target": values.copy()}
        if self.kind == "categorical":
            if not isinstance(value, (int, np.integer)) or not 0 <= value < self.size:
                raise ValueError(f"{field}: a category in 0..{self.size - 1}, got {value!r}")
            index = np.full([n], int(value), np.int32)
            return {"input": self.input_for(index), "target": index}
        path = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        if len(path) != len(self.branching) or any(
                not isinstance(j, (int, np.integer)) or not 0 <= j < k
                for j, k in zip(path, self.branching, strict=False)):
            raise ValueError(f"{field}: a path of one child per layer, each in 0..k-1 for "
                             f"branching {list(self.branching)}, got {value!r}")
        paths = np.tile(np.asarray(path, np.int32), (n, 1))
        return {"input": self.input_for(paths), "target": paths,
                "nodes": self.path_nodes(paths).astype(np.int32)}

    # --- the mutual-information bound ------------------------------------------------------

    def information(self, q: tf.Tensor, drawn: Mapping[str, tf.Tensor]) -> tf.Tensor:
        """Per-example L_I lower bound [B] of this code from Q's outputs ``q`` [B, width]
        (a tree: Σ_l log k_l − CE_l over its layers)."""
        q = tf.cast(q, tf.float32)
        if self.kind == "categorical":
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(drawn["target"], q)
            return math.log(self.size) - ce
        if self.kind == "continuous":
            squared = tf.reduce_sum(tf.square(drawn["target"] - q), axis=-1)
            return (-0.5 * squared - 0.5 * self.size * math.log(2.0 * math.pi)
                    + self.size * math.log(2.0))
        return tf.add_n(self.layer_information(q, drawn))

    def layer_information(self, q: tf.Tensor, drawn: Mapping[str, tf.Tensor]
                          ) -> list[tf.Tensor]:
        """Tree: per layer, log k_l − CE of the active parent's k_l logits [B]."""
        q = tf.cast(q, tf.float32)
        terms, offset = [], 0
        for layer, k in enumerate(self.branching):
            parents = 1 if layer == 0 else self.nodes[layer - 1]
            logits = tf.reshape(q[:, offset:offset + parents * int(k)], [-1, parents, int(k)])
            parent = (tf.zeros_like(drawn["target"][:, 0]) if layer == 0
                      else drawn["nodes"][:, layer - 1])
            active = tf.gather(logits, parent, axis=1, batch_dims=1)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(drawn["target"][:, layer],
                                                                active)
            terms.append(math.log(k) - ce)
            offset += parents * int(k)
        return terms

    def weighted_loss(self, q: tf.Tensor, drawn: Mapping[str, tf.Tensor], on=None,
                      step=0) -> tf.Tensor:
        """λ·(H(c) − L_I) ≥ 0 averaged over the global batch's examples where ``on`` [B] is 1
        (CFGAN: the attribute; None: all): the loss both networks add. A tree weighs each
        layer's gap by its λ_l, zero before the layer's start step (the curriculum)."""
        if self.kind == "tree":
            gap = tf.add_n([(math.log(k) - term) * self.layer_weight(layer, step)
                            for layer, (k, term) in enumerate(zip(
                                self.branching, self.layer_information(q, drawn),
                                strict=True))])
        else:
            gap = float(self.weight) * (self.entropy() - self.information(q, drawn))
        mask = tf.ones_like(gap) if on is None else tf.cast(on, tf.float32)
        return ops.global_masked_mean(gap, mask)


def _category(uniform: tf.Tensor, k: int) -> tf.Tensor:
    return tf.minimum(tf.cast(tf.floor(uniform * k), tf.int32), k - 1)


def parse(specs: Sequence[Mapping[str, Any]]) -> tuple[Code, ...]:
    """Codes from config entries ``{name, kind, size | branching, weight, ...}``; names
    unique."""
    codes = []
    for index, spec in enumerate(specs or ()):
        if not isinstance(spec, Mapping) or "name" not in spec:
            raise ValueError(f"{_FIELD}[{index}]: expected a mapping with a name, got "
                             f"{spec!r}")
        accepted = {f.name for f in dataclasses.fields(Code)}
        unknown = sorted(set(spec) - accepted)
        if unknown:
            raise ValueError(f"{_FIELD}.{spec['name']}: unknown key(s) {unknown}; accepted: "
                             f"{', '.join(sorted(accepted))}")
        values = dict(spec)
        for key in ("branching", "layer_weights", "layer_starts"):
            if key in values:
                values[key] = tuple(values[key])
        codes.append(Code(**values))
    names = [code.name for code in codes]
    if len(set(names)) != len(names):
        raise ValueError(f"{_FIELD}: names must be unique, got {names}")
    return tuple(codes)


class CodeSet:
    """The codes of a model: their layout in G's input and Q's output, their draws."""

    def __init__(self, codes: Sequence[Code]):
        self.codes = tuple(codes)
        self.names = [code.name for code in self.codes]

    @property
    def width(self) -> int:
        return sum(code.width for code in self.codes)

    @property
    def uniforms(self) -> int:
        return sum(code.uniforms for code in self.codes)

    def split(self, tensor: tf.Tensor) -> dict[str, tf.Tensor]:
        """[B, width] (G's code input or Q's output) into one slice per code."""
        slices, offset = {}, 0
        for code in self.codes:
            slices[code.name] = tensor[:, offset:offset + code.width]
            offset += code.width
        return slices

    def from_uniform(self, uniform: tf.Tensor) -> dict[str, dict[str, tf.Tensor]]:
        """Every code's value from ``uniform`` [B, uniforms]."""
        drawn, offset = {}, 0
        for code in self.codes:
            drawn[code.name] = code.from_uniform(uniform[:, offset:offset + code.uniforms])
            offset += code.uniforms
        return drawn

    def generator_input(self, drawn: Mapping[str, Mapping[str, tf.Tensor]],
                        attributes: Optional[tf.Tensor] = None) -> tf.Tensor:
        """The codes' block of G's input [B, width]: each code's input, times y_a for an
        attribute-filtered code (ĉ_a = y_a·c_a)."""
        blocks = []
        for code in self.codes:
            block = tf.cast(drawn[code.name]["input"], tf.float32)
            if code.attribute is not None:
                if attributes is None:
                    raise ValueError(f"{_FIELD}.{code.name}: filtered by attribute "
                                     f"{code.attribute}, but no attributes were given")
                block = block * tf.cast(attributes[:, code.attribute:code.attribute + 1],
                                        tf.float32)
            blocks.append(block)
        return tf.concat(blocks, axis=-1)

    def losses(self, q: tf.Tensor, drawn, attributes=None, step=0) -> dict[str, tf.Tensor]:
        """``{"mi_<name>": λ·(H − L_I)}`` per code with λ > 0, masked to examples whose
        attribute is on for filtered codes."""
        out = {}
        for code, q_slice in zip(self.codes, self.split(q).values(), strict=True):
            if float(code.weight) == 0.0 and not code.layer_weights:
                continue
            on = None
            if code.attribute is not None:
                on = attributes[:, code.attribute]
            out[f"mi_{code.name}"] = code.weighted_loss(q_slice, drawn[code.name], on, step)
        return out

    def fixed(self, values: Mapping[str, Any], uniform: np.ndarray
              ) -> dict[str, dict[str, np.ndarray]]:
        """Codes for sampling: the user's fixed ``values`` by name, the rest from
        ``uniform`` [n, uniforms]. Unknown names are refused with the accepted ones."""
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise ValueError(f"{_FIELD}: unknown code(s) {unknown}; this model has: "
                             f"{', '.join(self.names) or 'none'}")
        drawn = {name: {k: v.numpy() for k, v in d.items()}
                 for name, d in self.from_uniform(tf.constant(uniform, tf.float32)).items()}
        n = len(uniform)
        for code in self.codes:
            if code.name in values:
                drawn[code.name] = code.from_value(values[code.name], n)
        return drawn
