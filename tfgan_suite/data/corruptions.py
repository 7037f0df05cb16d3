"""Label corruptions for GANs trained on imperfect labels: noise, class overlap, few labels.

Every corruption is a pure numpy function of the clean labels and an integer seed, applied
once per example before training (the observed labels are then fixed for the whole run).
Notation: c classes, clean label y, observed label ỹ, rate ρ, transition T_ij = p(ỹ=j | y=i).

Label noise (rGAN: Kaneko, Ushiku & Harada, "Label-Noise Robust Generative Adversarial
Networks", CVPR 2019, arXiv:1811.11165, code github.com/takuhirok/rGAN):

* ``symmetric``: with probability ρ the label is redrawn uniformly over all c classes,
  T = (1 - ρ) I + (ρ / c) 1 1ᵀ, so a label actually changes with probability ρ (c - 1) / c.
* ``asymmetric``: a label flips to one confusable class with probability ρ,
  T_ii = 1 - ρ and T_i,f(i) = ρ for i in the flip map f, T_ii = 1 for the other classes.
  The Fashion-MNIST map ``FASHION_MNIST_FLIPS`` is two chains of confusable classes,
  0 T-shirt/top -> 6 Shirt -> 2 Pullover -> 4 Coat (and 3 Dress -> 4 Coat) and
  5 Sandal -> 7 Sneaker -> 9 Ankle boot (1 Trouser and 8 Bag keep their labels). The map is
  acyclic, so T is triangular up to a permutation and det T = (1 - ρ)^6: invertible for
  every ρ < 1, unlike the CIFAR-10 map of rGAN / Patrini et al., whose cat <-> dog swap
  makes T singular at ρ = 0.5. Like that map beyond ρ = 0.5, the chains make some observed
  labels mostly another class: at ρ = 0.7 (the benchmark) 70 % of the images labelled Shirt
  are T-shirts, of those labelled Pullover shirts, of those labelled Sneaker sandals. A map
  whose targets never flip (sinks) would leave every observed label's most likely class
  itself, which an AC-GAN's classifier term already follows without any correction.

Each example draws one u_n ~ U[0, 1) and takes the inverse CDF of its row,
ỹ_n = min{j : u_n < Σ_{k<=j} T_{y_n,k}}, so example n's label does not depend on the others.

Class overlap (CP-GAN: Kaneko, Ushiku & Harada, "Class-Distinct and Class-Mutual Image
Generation with GANs", BMVC 2019, arXiv:1811.11163, code github.com/takuhirok/CP-GAN), rule
``10to5`` (CIFAR-10to5):
ỹ = c // 2 with probability 1/2, else ỹ = (c // 2 + c mod 2) mod 5. Even classes always land
on c // 2 (class-distinct); odd classes split 50/50 between c // 2 and (c // 2 + 1) mod 5
(class-mutual). ``overlap_states`` gives the observed-label distribution of each class, the
state a conditional generator needs to produce that original class.

Few labels (S3GAN: Lucic, Tschannen, Ritter, Zhai, Bachem & Gelly, "High-Fidelity Image
Generation With Fewer Labels", ICML 2019): exactly round(f N) examples, chosen by a seeded
permutation, keep their label; the others get ``UNLABELLED`` and are kept or dropped. With
``label_selection: per_class`` each class keeps round(f N_c) of its N_c examples instead
(Fashion-MNIST at 1 %: exactly 60 of each class's 6,000, where the plain permutation gives
52-70).

Estimating T (Patrini, Rozza, Menon, Nock & Qu, "Making Deep Neural Networks Robust to Label
Noise: a Loss Correction Approach", CVPR 2017): for a classifier trained on the noisy labels,
the anchor x̄_i of class i is the example whose p(ỹ=i | x) is at a high percentile of that
column (97 in the paper, robust to over-confident outliers), and T̂_ij = p(ỹ=j | x̄_i).

Example:

    corruption = resolve({"label_noise": {"kind": "symmetric", "rate": 0.5},
                          "class_overlap": "none", "label_fraction": 1.0,
                          "unlabelled": "keep", "seed": 0}, num_classes=10)
    observed = corruption.apply(clean)              # int32 [N]
    keep = corruption.keep_mask(observed)           # bool [N]
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any, Mapping, Optional

import numpy as np

UNLABELLED = -1
NOISE_KINDS = ("none", "symmetric", "asymmetric")
OVERLAP_RULES = ("none", "10to5")
UNLABELLED_MODES = ("keep", "drop")
#: How the labelled examples are chosen: one permutation of all, or per class.
LABEL_SELECTIONS = ("random", "per_class")
#: Fashion-MNIST asymmetric noise: class -> the confusable class its label flips to with
#: probability rate. Two acyclic chains, so T is triangular up to a permutation and
#: invertible for every rate < 1: det T = (1 - rate)^6. T-shirt/top->Shirt->Pullover->Coat,
#: Dress->Coat, Sandal->Sneaker->Ankle boot.
FASHION_MNIST_FLIPS = {0: 6, 6: 2, 2: 4, 3: 4, 5: 7, 7: 9}
#: Observed classes of each class-overlap rule.
OVERLAP_CLASSES = {"10to5": 5}

_PREFIX = "data.corruption"
_SECTION_KEYS = ("label_noise", "class_overlap", "label_fraction", "unlabelled", "seed")
_NOISE_KEYS = ("kind", "rate")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


_INTERVALS = {"[0, 1)": lambda v: 0 <= v < 1, "(0, 1]": lambda v: 0 < v <= 1,
              "[0, 100]": lambda v: 0 <= v <= 100}


def _number(field: str, value, interval: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or not _INTERVALS[interval](value)):
        raise ValueError(f"{field}: must be in {interval}, got {value!r}")
    return float(value)


def _choice(field: str, value, choices: tuple) -> str:
    if value not in choices:
        raise ValueError(f"{field}: unknown value {value!r}; accepted: {', '.join(choices)}")
    return value


def _num_classes(value) -> int:
    if not _is_int(value) or value < 2:
        raise ValueError(f"num_classes: must be an integer >= 2, got {value!r}")
    return int(value)


def _labels(labels, num_classes: int, field: str = "labels") -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{field}: expected a 1-D integer array, got shape {array.shape} "
                         f"dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(f"{field}: must be in [0, {num_classes}), got values in "
                         f"[{array.min()}, {array.max()}]")
    return array.astype(np.int64)


def symmetric_transition(num_classes: int, rate: float) -> np.ndarray:
    """Transition matrix of symmetric noise, T = (1 - rate) I + (rate / c) 1 1ᵀ.

    Args:
        num_classes: number of classes c >= 2.
        rate: probability in [0, 1) that a label is redrawn uniformly over all c classes.

    Returns:
        float64 [c, c] row-stochastic matrix.
    """
    c, rate = _num_classes(num_classes), _number("rate", rate, "[0, 1)")
    return (1.0 - rate) * np.eye(c) + np.full((c, c), rate / c)


def asymmetric_transition(num_classes: int, rate: float,
                          flips: Mapping[int, int] = FASHION_MNIST_FLIPS) -> np.ndarray:
    """Transition matrix of asymmetric noise, T_ii = 1 - rate and T_i,f(i) = rate for i in f.

    Args:
        num_classes: number of classes c >= 2.
        rate: flip probability in [0, 1).
        flips: map from a class to the class its label flips to; other rows are identity.

    Returns:
        float64 [c, c] row-stochastic matrix.
    """
    c, rate = _num_classes(num_classes), _number("rate", rate, "[0, 1)")
    transition = np.eye(c)
    for source, target in dict(flips).items():
        if not (_is_int(source) and _is_int(target) and 0 <= source < c and 0 <= target < c):
            raise ValueError(f"flips: classes must be integers in [0, {c}), got "
                             f"{source!r} -> {target!r}")
        if source == target:
            raise ValueError(f"flips: a class cannot flip to itself, got {source} -> {target}")
        transition[source, source] = 1.0 - rate
        transition[source, target] = rate
    return transition


def check_transition(transition, num_classes: Optional[int] = None,
                     field: str = "transition") -> np.ndarray:
    """Validates a transition matrix: square, finite, entries >= 0, rows summing to 1.

    Args:
        transition: array-like [c, c] with T_ij = p(ỹ=j | y=i).
        num_classes: expected c, or None to accept any c >= 1.
        field: name used in error messages.

    Returns:
        The matrix as a new float64 array.
    """
    matrix = np.array(transition, dtype=np.float64)
    c = "c" if num_classes is None else num_classes
    if (matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.size == 0
            or matrix.shape[0] != (num_classes or matrix.shape[0])):
        raise ValueError(f"{field}: expected shape [{c}, {c}], got {list(matrix.shape)}")
    if not np.all(np.isfinite(matrix)) or matrix.min() < 0:
        raise ValueError(f"{field}: entries must be finite and >= 0, got min {matrix.min()}")
    sums = matrix.sum(axis=1)
    if not np.allclose(sums, 1.0, rtol=0.0, atol=1e-6):
        raise ValueError(f"{field}: rows must sum to 1, got row sums {sums.tolist()}")
    return matrix


def is_invertible(transition, tolerance: float = 1e-8) -> bool:
    """True when the smallest singular value of the transition exceeds the tolerance."""
    matrix = check_transition(transition)
    return bool(np.linalg.svd(matrix, compute_uv=False).min() > tolerance)


def apply_transition(labels, transition, seed: int) -> np.ndarray:
    """Noisy labels ỹ_n ~ Categorical(T[y_n]) by one inverse-CDF draw per example.

    Args:
        labels: int [N] clean labels in [0, c).
        transition: [c, c] row-stochastic matrix.
        seed: seed of ``np.random.default_rng``; draw u_n depends only on seed and n.

    Returns:
        int32 [N] noisy labels.
    """
    matrix = check_transition(transition)
    labels = _labels(labels, matrix.shape[0])
    uniforms = np.random.default_rng(seed).random(labels.shape[0])
    cdf = np.cumsum(matrix, axis=1)
    cdf /= cdf[:, -1:]   # last entry exactly 1, so u < 1 never maps past class c - 1
    noisy = np.empty(labels.shape[0], dtype=np.int32)
    for label in np.unique(labels):
        where = labels == label
        noisy[where] = np.searchsorted(cdf[label], uniforms[where], side="right")
    return noisy


def overlap_10to5(labels, seed: int) -> np.ndarray:
    """CP-GAN's CIFAR-10to5 overlap: ỹ = c // 2 w.p. 1/2, else (c // 2 + c mod 2) mod 5.

    Args:
        labels: int [N] clean labels in [0, 10).
        seed: seed of ``np.random.default_rng``; one draw per example.

    Returns:
        int32 [N] observed labels in [0, 5).
    """
    labels = _labels(labels, 10)
    first = np.random.default_rng(seed).random(labels.shape[0]) < 0.5
    half = labels // 2
    return np.where(first, half, (half + labels % 2) % 5).astype(np.int32)


def overlap_states(rule: str = "10to5", num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Original classes and the observed-label distribution each one receives under a rule.

    Even c -> one-hot(c // 2); odd c -> (one-hot(c // 2) + one-hot((c // 2 + 1) mod 5)) / 2.

    Args:
        rule: an overlap rule other than "none".
        num_classes: clean class count (10 for 10to5).

    Returns:
        (int32 [10] original classes, float64 [10, 5] states).
    """
    _choice("class_overlap", rule, OVERLAP_RULES[1:])
    if num_classes != 10:
        raise ValueError(f"num_classes: class_overlap 10to5 needs 10 classes, got {num_classes!r}")
    classes = np.arange(10, dtype=np.int32)
    states = np.zeros((10, OVERLAP_CLASSES[rule]))
    states[classes, classes // 2] += 0.5
    states[classes, (classes // 2 + classes % 2) % 5] += 0.5
    return classes, states


def keep_fraction(labels, fraction: float, seed: int,
                  selection: str = "random") -> np.ndarray:
    """Copy of labels where all but round(fraction N) seeded-permutation picks are UNLABELLED.

    Args:
        labels: int [N] labels.
        fraction: fraction of labels kept, in (0, 1].
        seed: seed of ``np.random.default_rng`` for the permutation.
        selection: ``random`` (one permutation of all N) or ``per_class`` (round(fraction
            N_c) of each class's N_c examples, one permutation per class in class order).

    Returns:
        int32 [N] labels with UNLABELLED for the removed ones.
    """
    fraction = _number("label_fraction", fraction, "(0, 1]")
    selection = _choice("label_selection", selection, LABEL_SELECTIONS)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels: expected a 1-D array, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    if selection == "per_class":
        members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        kept = np.concatenate([rng.permutation(m)[:int(round(fraction * m.size))]
                               for m in members])
    else:
        kept = rng.permutation(labels.shape[0])[:int(round(fraction * labels.shape[0]))]
    out = np.full(labels.shape[0], UNLABELLED, dtype=np.int32)
    out[kept] = labels[kept]
    return out


def estimate_transition(noisy_probabilities, percentile: float = 97.0) -> np.ndarray:
    """Patrini et al.'s anchor-point estimate T̂_ij = p(ỹ=j | x̄_i), rows renormalised.

    The anchor x̄_i is the first example whose p(ỹ=i | x) equals the given percentile of
    column i (numpy method "higher", so always an actual example; 100 -> argmax). Patrini et
    al.'s code takes the largest value strictly below that percentile instead (one rank lower).

    Args:
        noisy_probabilities: [N, c] class probabilities of a classifier trained on noisy labels.
        percentile: in [0, 100].

    Returns:
        float64 [c, c] estimated transition.
    """
    probabilities = np.asarray(noisy_probabilities, dtype=np.float64)
    if (probabilities.ndim != 2 or probabilities.size == 0
            or not np.all(np.isfinite(probabilities)) or probabilities.min() < 0):
        raise ValueError(f"noisy_probabilities: expected finite entries >= 0 of shape [N, c], "
                         f"got shape {probabilities.shape}")
    percentile = _number("percentile", percentile, "[0, 100]")
    c = probabilities.shape[1]
    estimate = np.empty((c, c))
    for i in range(c):
        column = probabilities[:, i]
        threshold = np.percentile(column, percentile, method="higher")
        estimate[i] = probabilities[np.flatnonzero(column == threshold)[0]]
    sums = estimate.sum(axis=1, keepdims=True)
    if np.any(sums <= 0):
        raise ValueError("noisy_probabilities: an anchor row sums to 0")
    return estimate / sums


@dataclasses.dataclass(frozen=True)
class Corruption:
    """A validated ``data.corruption`` section; build it with ``resolve``."""

    kind: str
    rate: float
    class_overlap: str
    label_fraction: float
    unlabelled: str
    seed: int
    num_classes: int
    label_selection: str = "random"

    @property
    def active(self) -> bool:
        """True when the observed labels can differ from the clean ones."""
        return (self.kind != "none" or self.class_overlap != "none"
                or self.label_fraction < 1.0)

    @property
    def observed_classes(self) -> int:
        """Number of observed classes: 5 for 10to5, else num_classes."""
        return OVERLAP_CLASSES.get(self.class_overlap, self.num_classes)

    def transition(self) -> Optional[np.ndarray]:
        """The known T of the label noise, or None when kind is "none"."""
        if self.kind == "symmetric":
            return symmetric_transition(self.num_classes, self.rate)
        if self.kind == "asymmetric":
            return asymmetric_transition(self.num_classes, self.rate)
        return None

    def apply(self, labels) -> np.ndarray:
        """Observed int32 labels: noise (seed), overlap (seed), label fraction (seed + 1)."""
        observed = _labels(labels, self.num_classes).astype(np.int32)
        transition = self.transition()
        if transition is not None:
            observed = apply_transition(observed, transition, self.seed)
        if self.class_overlap == "10to5":
            observed = overlap_10to5(observed, self.seed)
        if self.label_fraction < 1.0:
            observed = keep_fraction(observed, self.label_fraction, self.seed + 1,
                                     self.label_selection)
        return observed

    def keep_mask(self, observed) -> np.ndarray:
        """Bool [N] mask of the examples training keeps (only labelled ones under "drop")."""
        observed = np.asarray(observed)
        if self.unlabelled == "drop":
            return observed != UNLABELLED
        return np.ones(observed.shape[0], dtype=bool)

    def describe(self, clean, observed) -> dict[str, Any]:
        """JSON-able record of the spec and its realisation on these labels.

        ``change_rate`` is the fraction of labelled examples whose observed label differs from
        the clean one; under class overlap it is measured against c // 2 (the label a class
        would get without the class-mutual split), as the two label spaces differ.
        """
        clean, observed = np.asarray(clean), np.asarray(observed)
        labelled = observed != UNLABELLED
        reference = clean // 2 if self.class_overlap == "10to5" else clean
        changed = observed[labelled] != reference[labelled]
        transition = self.transition()
        return {"label_noise": {"kind": self.kind, "rate": self.rate},
                "class_overlap": self.class_overlap, "label_fraction": self.label_fraction,
                "label_selection": self.label_selection,
                "unlabelled": self.unlabelled, "seed": self.seed,
                "num_classes": self.num_classes, "observed_classes": self.observed_classes,
                "num_examples": int(observed.shape[0]), "num_labelled": int(labelled.sum()),
                "change_rate": float(changed.mean()) if changed.size else 0.0,
                "transition": None if transition is None else transition.tolist()}


#: Keys of ``data.corruption`` that describe the images (``image_corruptions``) and their
#: restoration (``restoration``).
IMAGE_KEYS = ("image_noise", "measurement", "restore")
#: Keys of ``data.corruption`` a section may leave out (their default applies).
OPTIONAL_KEYS = ("label_selection",)


def _exact_keys(field: str, value, keys: tuple, optional: tuple = ()) -> None:
    given = value if isinstance(value, Mapping) else {}
    unknown = sorted(set(given) - set(keys) - set(optional))
    missing = [k for k in keys if k not in given]
    if not isinstance(value, Mapping) or unknown or missing:
        raise ValueError(f"{field}: expected exactly the keys {', '.join(keys)}, got "
                         f"{value!r} (unknown {unknown}, missing {missing})")


def resolve(section: Mapping[str, Any], num_classes: int) -> Corruption:
    """Parses and validates the config section ``data.corruption``.

    Args:
        section: mapping with exactly label_noise {kind, rate}, class_overlap, label_fraction,
            unlabelled and seed; optionally label_selection (default random).
        num_classes: clean class count of the dataset.

    Returns:
        The validated ``Corruption``.
    """
    _exact_keys(_PREFIX, section, _SECTION_KEYS, optional=IMAGE_KEYS + OPTIONAL_KEYS)
    noise = section["label_noise"]
    _exact_keys(f"{_PREFIX}.label_noise", noise, _NOISE_KEYS)
    c = _num_classes(num_classes)
    kind = _choice(f"{_PREFIX}.label_noise.kind", noise["kind"], NOISE_KINDS)
    rate = _number(f"{_PREFIX}.label_noise.rate", noise["rate"], "[0, 1)")
    if kind == "asymmetric" and c != 10:
        raise ValueError(f"{_PREFIX}.label_noise.kind: asymmetric uses the 10-class "
                         f"Fashion-MNIST map, got num_classes={c}")
    overlap = _choice(f"{_PREFIX}.class_overlap", section["class_overlap"], OVERLAP_RULES)
    if overlap == "10to5" and c != 10:
        raise ValueError(f"{_PREFIX}.class_overlap: 10to5 needs 10 classes, got num_classes={c}")
    fraction = _number(f"{_PREFIX}.label_fraction", section["label_fraction"], "(0, 1]")
    unlabelled = _choice(f"{_PREFIX}.unlabelled", section["unlabelled"], UNLABELLED_MODES)
    selection = _choice(f"{_PREFIX}.label_selection",
                        section.get("label_selection", "random"), LABEL_SELECTIONS)
    seed = section["seed"]
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"{_PREFIX}.seed: must be an integer >= 0, got {seed!r}")
    if kind != "none" and overlap != "none":
        raise ValueError(f"{_PREFIX}: label_noise and class_overlap cannot be combined")
    return Corruption(kind=kind, rate=rate, class_overlap=overlap, label_fraction=fraction,
                      unlabelled=unlabelled, seed=int(seed), num_classes=c,
                      label_selection=selection)
