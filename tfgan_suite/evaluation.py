"""What a run is measured by: the evaluators (``tfgan eval`` through ``runs.evaluate_run``)
and ``EvaluationCallback`` (evaluations during training).

What is measured depends on the run's data:

- toy mixtures (``ring``, ``grid``): mode coverage against the known centres
  (``modes``, ``hq_fraction``, ``reverse_kl``);
- Fashion-MNIST and digits: distances in two independent feature spaces (benchmarks.md §2,
  issue #20), generated images vs the real **test** split, ``min(n, test size)`` of each:
  the primary ``DomainClassifier`` (a 2-conv CNN, seed 0; suffix ``fmnist`` / ``digits``)
  and a VGG-style classifier of another seed and feature size (suffix ``fmnist_vgg`` /
  ``digits_vgg``). Metric names carry the space, ``fd_fmnist`` (never "FID"),
  ``kid_fmnist_mean`` / ``_std``, ``precision_fmnist`` / ``recall_fmnist`` (k=3),
  ``density_fmnist`` / ``coverage_fmnist`` (k=5), and the same with ``_fmnist_vgg``;
  conditional models add ``gan_test_accuracy_<space>`` and ``intra_fd_<space>_mean`` (per
  class under ``intra_fd_<space>``). Each extractor's name, cache key and test accuracy are
  reported with them (``feature_extractors``). A quality claim should hold in both spaces.
  The ``gan_train`` group (not in the defaults: it trains a classifier per space) adds
  ``gan_train_accuracy_<space>``: a fresh classifier of the space's architecture trained on
  class-balanced generated images, tested on the real test split.

Runs trained on corrupted labels (``data.corruption``) are always judged against the clean
truth: the classifiers were trained on clean labels and the reference is the clean test
split. Under class overlap (``10to5``) the model's classes are not the dataset's, so GAN-test
and intra-FD are replaced by the **class-distinct / class-mutual accuracy** (CP-GAN's DMA):
for each original class c, generate from the observed-label state s_c it should come from
(one-hot(c // 2) for even c, the ½–½ mixture of c // 2 and (c // 2 + 1) mod 5 for odd c) and
score the fraction the clean classifier assigns to c:

    dma = (1/10) Σ_c P[argmax C(G(z, s_c)) = c],

with ``class_distinct_accuracy`` (even c) and ``class_mutual_accuracy`` (odd c) its halves.
It needs a generator that takes probability vectors (``generator.label_input``).

Translation models (``cyclegan``, ``pix2pix``) are scored by ``TranslationEvaluator``: L1 and
SSIM against the hidden truth of the test pairs, class preservation and FD of translated
garments, per direction.

Example:

    result = runs.evaluate_run("runs/demo", n=10000)  # also merged into runs/demo/metrics.json
    result["metrics"]["fd_fmnist"]
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import data as data_lib
from tfgan_suite import factory
from tfgan_suite import metrics as metrics_lib
from tfgan_suite.data import corruptions
from tfgan_suite.metrics import classifier as classifier_lib

#: Feature-space suffix of metric names, per dataset with a domain classifier.
FEATURE_SPACES = {"fashion_mnist": "fmnist", "digits": "digits", "glyphs": "glyphs"}
#: Suffix added to a dataset's space for its independent second classifier
#: (``classifier.INDEPENDENT_CONFIG``): ``fd_fmnist_vgg``, ``precision_digits_vgg``, ...
INDEPENDENT_SUFFIX = "vgg"
#: Metric groups an evaluation can compute; ``conditional`` only for conditional models.
IMAGE_GROUPS = ("fd", "kid", "precision_recall", "density_coverage", "conditional", "codes",
                "gan_train")
#: Groups measured when none are named (``gan_train`` trains a classifier: asked for only).
DEFAULT_IMAGE_GROUPS = IMAGE_GROUPS[:-1]
TOY_GROUPS = ("mode_coverage",)
PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5
#: Seed of the permutation that picks the real test images (fixed: same reference always).
REAL_SUBSET_SEED = 0


def lower_is_better(metric: str) -> bool:
    """Distances (``fd_*``, ``kid_*``, ``intra_fd_*``, ``l1_*``, ``reverse_kl``) are better
    when lower."""
    return (metric.startswith(("fd_", "kid_", "intra_fd_", "l1_"))
            or metric == "reverse_kl")


def feature_space(dataset: str) -> str:
    """``fmnist`` / ``digits``: the suffix of metric names measured in ``dataset``'s primary
    feature space."""
    if dataset not in FEATURE_SPACES:
        raise ValueError(f"data.name: no domain classifier for {dataset!r}; image evaluation "
                         f"accepts {sorted(FEATURE_SPACES)} (toy runs: ring, grid)")
    return FEATURE_SPACES[dataset]


def feature_spaces(dataset: str) -> dict[str, classifier_lib.ClassifierConfig]:
    """Every feature space of ``dataset``, suffix → classifier config: the primary CNN's
    (``fmnist``) and the independent VGG-style network's (``fmnist_vgg``)."""
    primary = feature_space(dataset)
    return {primary: classifier_lib.ClassifierConfig(),
            f"{primary}_{INDEPENDENT_SUFFIX}": classifier_lib.INDEPENDENT_CONFIG}


class Evaluator:
    """The reference of one run config, computed once; ``evaluate(model)`` measures a model.

    Image runs are measured in every feature space of the dataset (``feature_spaces``): the
    same generated images, features from each classifier, metric names suffixed with the
    space. A quality claim should hold in both.

    Args:
        config: the run's resolved config (``model.run_config``).
        n: generated samples per evaluation; image runs also use ``min(n, test size)`` real
            test images, and the same number of generated ones.
        seed: sampling seed of the generated images / points.
        classifier: image runs: a ``DomainClassifier`` to use for the primary space instead
            of the cached one.
        spaces: image runs: the suffixes to measure (default: every space of the dataset).
        facts: the run's ``factory.RunFacts`` (``model.run_facts``); without, the label
            corruption is read from ``config``.
    """

    def __init__(self, config: dict, n: int = 10000, seed: int = 0,
                 classifier: Optional[classifier_lib.DomainClassifier] = None,
                 spaces: Optional[Sequence[str]] = None,
                 facts: Optional[factory.RunFacts] = None):
        if not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n: must be an integer >= 2, got {n!r}")
        self.config = config
        self.seed = seed
        self.mixture = factory.mixture(config)
        self.dataset = config["data"]["name"]
        if self.mixture is not None:
            self.n = int(n)
            return
        spec = facts.corruption if facts is not None else factory.corruption(config)
        #: the class-overlap rule of the run's labels (``10to5``), or None
        self.overlap_rule = (None if spec is None or spec.class_overlap == "none"
                             else spec.class_overlap)
        #: what the run's labels are (``data.label_view``): classes, or garment groups
        self.label_view = config["data"].get("label_view", "class")
        self.space = feature_space(self.dataset)
        available = feature_spaces(self.dataset)
        chosen_spaces = list(available) if spaces is None else list(spaces)
        unknown = [s for s in chosen_spaces if s not in available]
        if unknown or not chosen_spaces:
            raise ValueError(f"spaces: unknown {unknown or chosen_spaces} for "
                             f"{self.dataset!r}; accepted: {list(available)}")
        images, labels = data_lib.load_arrays(self.dataset, "test")
        self.n = min(int(n), len(images))
        chosen = np.random.default_rng(REAL_SUBSET_SEED).permutation(len(images))[:self.n]
        self.real_images, self.real_labels = images[chosen], labels[chosen]
        self.classifiers: dict[str, classifier_lib.DomainClassifier] = {}
        self.real_features: dict[str, np.ndarray] = {}
        for suffix in chosen_spaces:
            network = (classifier if classifier is not None and suffix == self.space
                       else classifier_lib.get_domain_classifier(self.dataset,
                                                                 config=available[suffix]))
            self.classifiers[suffix] = network
            self.real_features[suffix] = network.features(self.real_images)

    @property
    def default_monitor(self) -> str:
        """What selects the best checkpoint unless ``eval.monitor`` says otherwise."""
        return f"fd_{self.space}"

    @property
    def classifier(self) -> classifier_lib.DomainClassifier:
        """The first measured space's classifier (the primary one by default)."""
        return next(iter(self.classifiers.values()))

    @property
    def groups(self) -> tuple[str, ...]:
        return TOY_GROUPS if self.mixture is not None else IMAGE_GROUPS

    def describe(self) -> dict[str, Any]:
        """What the numbers are measured against (written next to them)."""
        if self.mixture is not None:
            return {"kind": "toy", "dataset": self.dataset, "n_fake": self.n,
                    "n_modes": int(self.mixture.n_modes), "seed": self.seed}
        return {"kind": "image", "dataset": self.dataset, "reference": "test split",
                "n_real": self.n, "n_fake": self.n, "seed": self.seed,
                "feature_extractor": self.classifier.describe(),
                "feature_extractors": {suffix: network.describe()
                                       for suffix, network in self.classifiers.items()}}

    def evaluate(self, model, groups: Optional[Sequence[str]] = None) -> dict[str, Any]:
        """Metrics of ``model`` (anything with ``sample(n, seed, labels=None)``).

        Args:
            groups: subset of ``self.groups`` to compute (default all that apply; for
                images all but ``gan_train``, which trains a classifier per space).
        """
        if groups is None:
            groups = self.groups if self.mixture is not None else DEFAULT_IMAGE_GROUPS
        groups = tuple(groups)
        unknown = [g for g in groups if g not in self.groups]
        if unknown:
            raise ValueError(f"metrics: unknown {unknown} for {self.dataset!r}; accepted: "
                             f"{list(self.groups)}")
        if self.mixture is not None:
            coverage = metrics_lib.mode_coverage(model.sample(self.n, seed=self.seed),
                                                 self.mixture.centers, self.mixture.std)
            return coverage | {"n_modes": int(self.mixture.n_modes)}
        fake = model.sample(self.n, seed=self.seed)
        results: dict[str, Any] = {}
        for suffix, network in self.classifiers.items():
            results |= self._distances(suffix, network.features(fake), groups)
        if "conditional" in groups and _is_conditional(model):
            if self.label_view == "garment_group":
                results |= self._groups(model)
            elif self.overlap_rule is None:
                results |= self._conditional(model)
            else:
                results |= self._class_overlap(model, self.overlap_rule)
        if "codes" in groups and getattr(model, "codes", None) is not None:
            results |= self._codes(model)
        if ("gan_train" in groups and _is_conditional(model) and self.overlap_rule is None
                and self.label_view == "class"):
            results |= self._gan_train(model)
        return results

    def _class_overlap(self, model, rule: str) -> dict[str, Any]:
        """Class-distinct / class-mutual accuracy (module docstring) in every space."""
        if not getattr(model, "label_vectors", False):
            return {}  # class-mutual states need a generator of probability vectors
        classes, states = corruptions.overlap_states(rule)
        per_state = max(1, self.n // len(classes))
        rows = np.repeat(states, per_state, axis=0).astype(np.float32)
        truth = np.repeat(classes, per_state)
        images = model.sample(len(rows), seed=self.seed + 1, labels=rows)
        results: dict[str, Any] = {}
        for space, network in self.classifiers.items():
            hits = network.predict_labels(images) == truth
            distinct, mutual = hits[truth % 2 == 0].mean(), hits[truth % 2 == 1].mean()
            results |= {f"dma_{space}": float(hits.mean()),
                        f"class_distinct_accuracy_{space}": float(distinct),
                        f"class_mutual_accuracy_{space}": float(mutual)}
        return results

    def _codes(self, model) -> dict[str, Any]:
        """Models with latent codes: per categorical code (a tree: per layer), the NMI of
        its value and the class the judge of each space assigns to the sample
        (``metrics/control.py``); samples cycle through the code's values, the other codes
        drawn (attributes, if any, cycle too). ``nmi_<code>_<space>`` (a tree:
        ``nmi_<code>_layer<l>_<space>``). Codes tied to an attribute are scored within it
        by the conditional group (``_groups``)."""
        from tfgan_suite.data import views
        from tfgan_suite.metrics import control

        attributes = (np.arange(self.n) % model.attributes
                      if getattr(model, "attributes", 0) else None)
        results: dict[str, Any] = {}
        for code in model.codes.codes:
            if code.kind == "continuous" or code.attribute is not None:
                continue
            if code.kind == "categorical":
                fixed = np.arange(self.n) % code.size
                values = {"": fixed}
            else:  # every leaf path in turn; layer l's value is its node
                leaves = np.arange(self.n) % code.nodes[-1]
                below = [int(np.prod(code.branching[i + 1:]))
                         for i in range(len(code.branching))]
                fixed = np.stack([leaves // below[i] % k
                                  for i, k in enumerate(code.branching)], axis=1)
                values = {f"_layer{i + 1}": leaves // below[i] for i in range(len(below))}
            block = model.code_block(self.n, seed=self.seed + 3, attributes=attributes,
                                     per_row={code.name: fixed})
            images = model._generate(model.latent(self.n, self.seed + 3), block, 256)
            for space, network in self.classifiers.items():
                judged = network.predict_labels(images)
                for suffix, value in values.items():
                    results[f"nmi_{code.name}{suffix}_{space}"] = control.nmi(value, judged)
                if code.kind == "tree" and self.dataset == "fashion_mnist":
                    # DTLC-GAN's coarse layer against the garment group of the judged class
                    results[f"nmi_{code.name}_layer1_group_{space}"] = control.nmi(
                        values["_layer1"], views.group_of(judged))
                if code.kind == "tree" and len(code.branching) > 1:
                    # layer 2 within its parent: the child id against the judged class,
                    # among the samples under each first-layer node, averaged over nodes
                    parents = values["_layer1"]
                    results[f"nmi_{code.name}_layer2_within_{space}"] = float(np.mean([
                        control.nmi(fixed[parents == node, 1], judged[parents == node])
                        for node in range(code.branching[0])]))
        return results

    def _groups(self, model) -> dict[str, Any]:
        """Under ``data.label_view: garment_group``: the toggle accuracy (samples generated
        for group a judged to be in group a) and, per categorical code tied to a group, its
        NMI with the judged class among the samples judged to be in that group."""
        from tfgan_suite.data import views
        from tfgan_suite.metrics import control

        groups = list(views.GARMENT_GROUPS.items())
        requested = (np.arange(self.n) % len(groups)).astype(np.int32)
        images = model.sample(self.n, seed=self.seed + 1, labels=requested)
        results: dict[str, Any] = {}
        for space, network in self.classifiers.items():
            judged = views.group_of(network.predict_labels(images))
            results[f"toggle_accuracy_{space}"] = control.toggle_accuracy(requested, judged)
        for code in getattr(getattr(model, "codes", None), "codes", ()):
            if code.kind != "categorical" or code.attribute is None:
                continue
            values = np.arange(self.n) % code.size
            block = model.code_block(self.n, seed=self.seed + 4, attributes=code.attribute,
                                     per_row={code.name: values})
            images = model._generate(model.latent(self.n, self.seed + 4), block, 256)
            name, members = groups[code.attribute]
            for space, network in self.classifiers.items():
                scores = control.within_group_nmi(values, network.predict_labels(images),
                                                  {name: members})
                results[f"nmi_{code.name}_{space}"] = scores[name]
        return results

    def _gan_train(self, model) -> dict[str, Any]:
        """GAN-train accuracy in every space (a classifier trained on generated images)."""
        labels = (np.arange(self.n) % int(model.num_classes)).astype(np.int32)
        images = model.sample(self.n, seed=self.seed + 2, labels=labels)
        return {f"gan_train_accuracy_{space}":
                classifier_lib.gan_train_accuracy(network, images, labels)
                for space, network in self.classifiers.items()}

    def _distances(self, space: str, fake_features: np.ndarray,
                   groups: Sequence[str]) -> dict[str, Any]:
        real = self.real_features[space]
        results: dict[str, Any] = {}
        if "fd" in groups:
            results[f"fd_{space}"] = metrics_lib.frechet_distance(real, fake_features)
        if "kid" in groups:
            mean, std = metrics_lib.kernel_distance(real, fake_features, seed=self.seed)
            results |= {f"kid_{space}_mean": mean, f"kid_{space}_std": std}
        if "precision_recall" in groups:
            scores = metrics_lib.precision_recall(real, fake_features, k=PRECISION_RECALL_K)
            results |= {f"{name}_{space}": value for name, value in scores.items()}
        if "density_coverage" in groups:
            scores = metrics_lib.density_coverage(real, fake_features, k=DENSITY_COVERAGE_K)
            results |= {f"{name}_{space}": value for name, value in scores.items()}
        return results

    def _conditional(self, model) -> dict[str, Any]:
        """GAN-test accuracy and intra-class FD on class-balanced conditional samples, in
        every measured space; under a label view that determines the class
        (``glyph_description``), balanced over the model's conditions and judged on the
        clean class (the character) they name."""
        from tfgan_suite.data import views

        conditions = (np.arange(self.n) % int(model.num_classes)).astype(np.int32)
        images = model.sample(self.n, seed=self.seed + 1, labels=conditions)
        labels = views.clean_classes(self.label_view, conditions)
        results: dict[str, Any] = {}
        for space, network in self.classifiers.items():
            per_class = classifier_lib.intra_class_fd(network, self.real_images,
                                                      self.real_labels, images, labels)
            results |= {f"gan_test_accuracy_{space}":
                        classifier_lib.gan_test_accuracy(network, images, labels),
                        f"intra_fd_{space}_mean": per_class.pop("mean"),
                        f"intra_fd_{space}": {str(k): v for k, v in per_class.items()}}
        return results


class TranslationEvaluator:
    """The scores of a translation model (``cyclegan``, ``pix2pix``; issue #18) on the test
    split of its two-domain data, per direction d of the model (``a2b``, ``b2a``):

    - on paired test data (``fashion_edges``: the hidden pairs): ``l1_<d>`` (mean |output −
      truth| / 2) and ``ssim_<d>`` of each output against its truth (metrics/translation.py);
    - into Fashion-MNIST garments (``fashion_edges``' ``garments`` domain), in both feature
      spaces: ``class_preserved_<d>_<space>`` (the classifier's class of the output vs the
      source garment's) and ``fd_<d>_<space>`` (outputs vs the real test garments, both
      centre-cropped to the classifiers' 28 px). Edge maps have no classifier: their
      direction is scored by L1 / SSIM only.

    ``model``: anything with ``directions`` and ``translate(images, direction)`` (the
    identity baseline too). ``n``: test pairs used (the first ``min(n, test size)``).
    """

    #: The domain with a classifier, and the dataset whose classifiers judge it.
    JUDGED = {"garments": "fashion_mnist"}

    def __init__(self, config: dict, n: int = 10000, seed: int = 0,
                 classifier: Optional[classifier_lib.DomainClassifier] = None,
                 spaces: Optional[Sequence[str]] = None):
        from tfgan_suite.data import domains

        if not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n: must be an integer >= 2, got {n!r}")
        self.config, self.seed = config, seed
        self.pair = domains.load_pair(config["data"], split="test", seed=config["seed"])
        self.n = min(int(n), len(self.pair.a), len(self.pair.b))
        size = config["data"].get("image_size")
        self.a, self.b = (data_lib.fit_image_size(tf.constant(images[:self.n]), size).numpy()
                          for images in (self.pair.a, self.pair.b))
        self.classifiers: dict[str, classifier_lib.DomainClassifier] = {}
        self.real_features: dict[str, np.ndarray] = {}
        judged = [self.JUDGED[d] for d in self.pair.names if d in self.JUDGED]
        if judged:
            available = feature_spaces(judged[0])
            for suffix in (list(available) if spaces is None else list(spaces)):
                self.classifiers[suffix] = (
                    classifier if classifier is not None and suffix == feature_space(judged[0])
                    else classifier_lib.get_domain_classifier(judged[0],
                                                              config=available[suffix]))
            real, _ = data_lib.load_arrays(judged[0], "test")
            for suffix, network in self.classifiers.items():
                self.real_features[suffix] = network.features(real[:self.n])

    @property
    def classifier(self) -> Optional[classifier_lib.DomainClassifier]:
        return next(iter(self.classifiers.values()), None)

    @property
    def default_monitor(self) -> str:
        """L1 of a2b on paired test data, else FD of the first direction into garments."""
        if self.pair.paired:
            return "l1_a2b"
        if not self.classifiers:
            raise ValueError("eval.monitor: this two-domain data has neither test pairs nor a "
                             "classifier; no translation score to select checkpoints by")
        direction = "a2b" if self.pair.names[1] in self.JUDGED else "b2a"
        return f"fd_{direction}_{next(iter(self.classifiers))}"

    def describe(self) -> dict[str, Any]:
        return {"kind": "translation", "dataset": self.config["data"]["name"],
                "domains": {"a": self.pair.names[0], "b": self.pair.names[1]},
                "reference": "test split" + (" pairs (hidden truth)" if self.pair.paired
                                             else ""),
                "n_pairs": self.n, "feature_extractors": {
                    suffix: network.describe() for suffix, network in self.classifiers.items()}}

    def evaluate(self, model, groups: Optional[Sequence[str]] = None) -> dict[str, Any]:
        from tfgan_suite.metrics import translation as scores

        del groups  # every score that applies
        results: dict[str, Any] = {}
        for direction in model.directions:
            source, truth = (self.a, self.b) if direction == "a2b" else (self.b, self.a)
            source_labels = (self.pair.a_labels if direction == "a2b"
                             else self.pair.b_labels)[:self.n]
            target = self.pair.names[1] if direction == "a2b" else self.pair.names[0]
            outputs = model.translate(source, direction)
            if self.pair.paired:
                results[f"l1_{direction}"] = scores.l1(outputs, truth)
                results[f"ssim_{direction}"] = scores.ssim(outputs, truth)
            if target in self.JUDGED:
                for space, network in self.classifiers.items():
                    cropped = scores.crop_centre(outputs, network.image_size)
                    results[f"class_preserved_{direction}_{space}"] = scores.class_preserved(
                        network, cropped, source_labels)
                    results[f"fd_{direction}_{space}"] = metrics_lib.frechet_distance(
                        self.real_features[space], network.features(cropped))
        return results


def make_evaluator(config: dict, n: int = 10000, seed: int = 0,
                   classifier: Optional[classifier_lib.DomainClassifier] = None,
                   spaces: Optional[Sequence[str]] = None,
                   facts: Optional[factory.RunFacts] = None):
    """The evaluator of a run config: ``TranslationEvaluator`` for translation models,
    ``Evaluator`` otherwise; ``spaces`` (image runs: the feature spaces to measure, default
    all) is ignored for toy and translation runs. ``facts``: as ``Evaluator``'s."""
    if facts.translates if facts is not None else factory.translates(config):
        return TranslationEvaluator(config, n=n, seed=seed, classifier=classifier)
    return Evaluator(config, n=n, seed=seed, classifier=classifier,
                     spaces=None if factory.mixture(config) is not None else spaces,
                     facts=facts)


def _is_conditional(model) -> bool:
    return bool(getattr(model, "conditional", False)) and bool(
        getattr(model, "num_classes", None))


def read_kept_best(best_dir: Optional[str]) -> Optional[dict]:
    """What ``EvaluationCallback`` kept in ``best_dir``: ``best.json`` (monitor,
    value, step, …) plus the checkpoint's ``path``; None when nothing complete is there."""
    if best_dir is None:
        return None
    record = os.path.join(best_dir, "best.json")
    if not (os.path.isfile(record) and os.path.isfile(os.path.join(best_dir, "ckpt.index"))):
        return None
    with open(record, encoding="utf-8") as handle:
        return json.load(handle) | {"path": os.path.join(best_dir, "ckpt")}


def _kept_best(best_dir: Optional[str], monitor: str) -> Optional[float]:
    """The kept value of ``monitor`` (a resumed run keeps its best)."""
    kept = read_kept_best(best_dir)
    return float(kept["value"]) if kept and kept.get("monitor") == monitor else None


class EvaluationCallback(keras.callbacks.Callback):
    """Evaluates during training, logs to TensorBoard, keeps the best weights.

    Two schedules: every ``every_epochs`` epochs, or every ``every_minutes`` minutes of
    training time and once more when training ends (a quality-versus-time curve). Time spent
    evaluating is taken out of ``clock`` (the ``StopAt`` clock of ``train.max_minutes``), so
    a curve does not shorten the run it measures.

    Scalars go to ``log_dir`` as ``eval/<metric>`` at the model's step; ``history`` keeps one
    row per evaluation (``step``, ``epoch`` or ``train_seconds``, the scalar metrics). When
    ``monitor`` improves (lower for ``fd_*``/``kid_*``/``reverse_kl``, higher otherwise), the
    model is written with ``tf.train.Checkpoint(model=model).write(<best_dir>/ckpt)`` and
    ``<best_dir>/best.json`` records the metric, value, epoch and step. A resumed run starts
    from the value already in ``best.json`` (same monitor), so a worse evaluation after a
    restart never replaces the kept best.

    Args:
        config: the run's resolved config.
        log_dir: TensorBoard directory (None: no summaries).
        best_dir: where the best checkpoint goes, e.g. ``<run>/best`` (None: not kept).
        every_epochs: evaluation period in epochs (ignored when ``every_minutes`` is set).
        n: samples per evaluation (small: this runs during training).
        metrics: metric groups (``Evaluator.groups``); default ``("fd",)`` for images,
            ``("mode_coverage",)`` for toy data.
        monitor: the metric that selects the best checkpoint; default ``fd_<space>`` for
            images, ``modes`` for toy data.
        seed: sampling seed (fixed, so evaluations differ only by the weights).
        classifier: image runs: the ``DomainClassifier`` of the primary space.
        every_minutes: evaluation period in minutes of training time.
        clock: the ``callbacks.TrainingClock`` of the run (default: one of its own, started
            with training).
        facts: the run's ``factory.RunFacts`` (``runs.train`` hands it over); without, they
            are resolved from ``config``.
    """

    def __init__(self, config: dict, log_dir: Optional[str] = None,
                 best_dir: Optional[str] = None, every_epochs: int = 1, n: int = 2000,
                 metrics: Optional[Sequence[str]] = None, monitor: Optional[str] = None,
                 seed: int = 0,
                 classifier: Optional[classifier_lib.DomainClassifier] = None,
                 every_minutes: Optional[float] = None, clock=None,
                 facts: Optional[factory.RunFacts] = None):
        super().__init__()
        if int(every_epochs) != every_epochs or every_epochs < 1:
            raise ValueError(f"every_epochs: must be a positive integer, got {every_epochs!r}")
        if every_minutes is not None and not every_minutes > 0:
            raise ValueError(f"every_minutes: must be positive (or None), got "
                             f"{every_minutes!r}")
        from tfgan_suite.callbacks import TrainingClock

        self.evaluator = make_evaluator(config, n=n, seed=seed, classifier=classifier,
                                        facts=facts)
        toy = getattr(self.evaluator, "mixture", None) is not None
        self.groups = tuple(metrics or (("mode_coverage",) if toy else ("fd",)))
        self.monitor = monitor or ("modes" if toy else self.evaluator.default_monitor)
        self.every_epochs = int(every_epochs)
        self.every_seconds = None if every_minutes is None else 60.0 * float(every_minutes)
        self._own_clock = clock is None
        self.clock = clock or TrainingClock()
        self._next_due = self.every_seconds
        self.best_dir = best_dir
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None
        self.best: Optional[float] = _kept_best(best_dir, self.monitor)
        self.history: list[dict] = []

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        return value < self.best if lower_is_better(self.monitor) else value > self.best

    def on_train_begin(self, logs=None):
        if self._own_clock:
            self.clock.start()
        self._next_due = self.every_seconds

    def on_train_batch_end(self, batch, logs=None):
        if self.every_seconds is None or self.clock.elapsed() < self._next_due:
            return
        while self._next_due <= self.clock.elapsed():
            self._next_due += self.every_seconds
        self.evaluate_now()

    def on_epoch_end(self, epoch, logs=None):
        if self.every_seconds is None and not (epoch + 1) % self.every_epochs:
            self.evaluate_now(epoch + 1)

    def on_train_end(self, logs=None):
        if self.every_seconds is None or not _weights_finite(self.model):
            return  # a NaN-stopped run is reported by the guard, not evaluated
        step = _model_step(self.model, None)
        if not self.history or self.history[-1]["step"] != step:
            self.evaluate_now()

    def evaluate_now(self, epoch: Optional[int] = None) -> dict:
        """Evaluates the model now (clock paused) and returns the history row."""
        with self.clock.paused():
            step = _model_step(self.model, epoch)
            results = self.evaluator.evaluate(self.model, self.groups)
            if self.monitor not in results:
                raise ValueError(f"monitor: {self.monitor!r} is not computed by metrics "
                                 f"{list(self.groups)}; computed: {sorted(results)}")
            scalars = {k: float(v) for k, v in results.items() if isinstance(v, (int, float))}
            when = ({"epoch": epoch} if epoch is not None
                    else {"train_seconds": round(self.clock.elapsed(), 1)})
            row = when | {"step": step} | scalars
            self.history.append(row)
            if self.writer is not None:
                with self.writer.as_default():
                    for name, value in scalars.items():
                        tf.summary.scalar(f"eval/{name}", value, step=step)
                self.writer.flush()
            if self._improved(scalars[self.monitor]):
                self.best = scalars[self.monitor]
                self._keep_best(row)
        return row

    def _keep_best(self, row: dict) -> None:
        if self.best_dir is None:
            return
        tf.train.Checkpoint(model=self.model).write(os.path.join(self.best_dir, "ckpt"))
        with open(os.path.join(self.best_dir, "best.json"), "w", encoding="utf-8") as f:
            json.dump({"monitor": self.monitor, "value": self.best, "epoch": row.get("epoch"),
                       "train_seconds": row.get("train_seconds"), "step": row["step"]}, f,
                      indent=2)


def _model_step(model, epoch: Optional[int]) -> int:
    if hasattr(model, "step_counter"):
        return int(model.step_counter.numpy())
    return int(epoch or 0)


def _weights_finite(model) -> bool:
    return all(np.all(np.isfinite(w)) for w in model.get_weights())


__all__ = ["EvaluationCallback", "Evaluator", "TranslationEvaluator", "make_evaluator",
           "feature_space", "feature_spaces", "lower_is_better", "read_kept_best"]
