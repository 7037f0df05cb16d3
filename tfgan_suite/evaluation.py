"""Evaluate a trained run offline: ``evaluate_run`` (``tfgan eval``) and ``EvaluationCallback``.

What is measured depends on the run's data:

- toy mixtures (``ring``, ``grid``): mode coverage against the known centres
  (``modes``, ``hq_fraction``, ``reverse_kl``);
- Fashion-MNIST and digits: distances in the feature space of the dataset's
  ``DomainClassifier`` (benchmarks.md §2), generated images vs the real **test** split,
  ``min(n, test size)`` of each. Metric names carry the feature space, ``fd_fmnist`` (never
  "FID"), ``kid_fmnist_mean`` / ``_std``, ``precision_fmnist`` / ``recall_fmnist`` (k=3),
  ``density_fmnist`` / ``coverage_fmnist`` (k=5); conditional models add
  ``gan_test_accuracy_fmnist`` and ``intra_fd_fmnist_mean`` (per class under
  ``intra_fd_fmnist``). The extractor's name, cache key and test accuracy are reported
  with them.

Example:

    result = evaluate_run("runs/demo", n=10000)     # also merged into runs/demo/metrics.json
    result["metrics"]["fd_fmnist"]
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import data as data_lib
from tfgan_suite import factory
from tfgan_suite import metrics as metrics_lib
from tfgan_suite.metrics import classifier as classifier_lib

#: Feature-space suffix of metric names, per dataset with a domain classifier.
FEATURE_SPACES = {"fashion_mnist": "fmnist", "digits": "digits"}
#: Metric groups an evaluation can compute; ``conditional`` only for conditional models.
IMAGE_GROUPS = ("fd", "kid", "precision_recall", "density_coverage", "conditional")
TOY_GROUPS = ("mode_coverage",)
PRECISION_RECALL_K = 3
DENSITY_COVERAGE_K = 5
#: Seed of the permutation that picks the real test images (fixed: same reference always).
REAL_SUBSET_SEED = 0


def lower_is_better(metric: str) -> bool:
    """Distances (``fd_*``, ``kid_*``, ``intra_fd_*``, ``reverse_kl``) are better when lower."""
    return metric.startswith(("fd_", "kid_", "intra_fd_")) or metric == "reverse_kl"


def feature_space(dataset: str) -> str:
    """``fmnist`` / ``digits``: the suffix of metric names measured for ``dataset``."""
    if dataset not in FEATURE_SPACES:
        raise ValueError(f"data.name: no domain classifier for {dataset!r}; image evaluation "
                         f"accepts {sorted(FEATURE_SPACES)} (toy runs: ring, grid)")
    return FEATURE_SPACES[dataset]


class Evaluator:
    """The reference of one run config, computed once; ``evaluate(model)`` measures a model.

    Args:
        config: the run's resolved config (``model.run_config``).
        n: generated samples per evaluation; image runs also use ``min(n, test size)`` real
            test images, and the same number of generated ones.
        seed: sampling seed of the generated images / points.
        classifier: image runs: the ``DomainClassifier`` to use (default: the cached one of
            the dataset at its native size).
    """

    def __init__(self, config: dict, n: int = 10000, seed: int = 0,
                 classifier: Optional[classifier_lib.DomainClassifier] = None):
        if not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n: must be an integer >= 2, got {n!r}")
        self.config = config
        self.seed = seed
        self.mixture = factory.mixture(config)
        self.dataset = config["data"]["name"]
        if self.mixture is not None:
            self.n = int(n)
            return
        self.space = feature_space(self.dataset)
        self.classifier = classifier or classifier_lib.get_domain_classifier(self.dataset)
        images, labels = data_lib.load_arrays(self.dataset, "test")
        self.n = min(int(n), len(images))
        chosen = np.random.default_rng(REAL_SUBSET_SEED).permutation(len(images))[:self.n]
        self.real_images, self.real_labels = images[chosen], labels[chosen]
        self.real_features = self.classifier.features(self.real_images)

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
                "feature_extractor": self.classifier.describe()}

    def evaluate(self, model, groups: Optional[Sequence[str]] = None) -> dict[str, Any]:
        """Metrics of ``model`` (anything with ``sample(n, seed, labels=None)``).

        Args:
            groups: subset of ``self.groups`` to compute (default all that apply).
        """
        groups = tuple(self.groups if groups is None else groups)
        unknown = [g for g in groups if g not in self.groups]
        if unknown:
            raise ValueError(f"metrics: unknown {unknown} for {self.dataset!r}; accepted: "
                             f"{list(self.groups)}")
        if self.mixture is not None:
            coverage = metrics_lib.mode_coverage(model.sample(self.n, seed=self.seed),
                                                 self.mixture.centers, self.mixture.std)
            return coverage | {"n_modes": int(self.mixture.n_modes)}
        fake_features = self.classifier.features(model.sample(self.n, seed=self.seed))
        results = self._distances(fake_features, groups)
        if "conditional" in groups and _is_conditional(model):
            results |= self._conditional(model)
        return results

    def _distances(self, fake_features: np.ndarray, groups: Sequence[str]) -> dict[str, Any]:
        space, real = self.space, self.real_features
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
        """GAN-test accuracy and intra-class FD on class-balanced conditional samples."""
        labels = (np.arange(self.n) % int(model.num_classes)).astype(np.int32)
        images = model.sample(self.n, seed=self.seed + 1, labels=labels)
        per_class = classifier_lib.intra_class_fd(self.classifier, self.real_images,
                                                  self.real_labels, images, labels)
        return {f"gan_test_accuracy_{self.space}":
                classifier_lib.gan_test_accuracy(self.classifier, images, labels),
                f"intra_fd_{self.space}_mean": per_class.pop("mean"),
                f"intra_fd_{self.space}": {str(k): v for k, v in per_class.items()}}


def _is_conditional(model) -> bool:
    return bool(getattr(model, "conditional", False)) and bool(
        getattr(model, "num_classes", None))


def evaluation_path(run_dir: str, out: Optional[str] = None) -> str:
    """Where ``evaluate_run`` writes: ``out`` or ``<run>/metrics.json``."""
    return out or os.path.join(run_dir, "metrics.json")


def _merge_into_json(path: str, key: str, value: dict) -> None:
    """Sets ``key`` of the JSON object in ``path`` (created if missing), keeping the rest."""
    existing: dict = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            existing = json.load(handle)
        if not isinstance(existing, dict):
            raise ValueError(f"--out: {path} holds JSON that is not an object; choose another "
                             f"file")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(existing | {key: value}, handle, indent=2, default=_json_default)
    os.replace(temporary, path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def evaluate_run(run_dir: str, n: int = 10000, out: Optional[str] = None, seed: int = 0,
                 classifier: Optional[classifier_lib.DomainClassifier] = None) -> dict:
    """Evaluates the latest checkpoint of ``run_dir`` (``tfgan eval``).

    Args:
        run_dir: a run directory written by ``train``.
        n: generated samples (image runs: and real test images, both ``min(n, test size)``).
        out: JSON file to merge the result into under ``"evaluation"``; default
            ``<run>/metrics.json`` (its training summary is kept).
        seed: sampling seed.
        classifier: image runs: a ``DomainClassifier`` to use instead of the cached one.

    Returns:
        dict with ``metrics`` (flat names, see the module docstring), the reference
        (``kind``, ``dataset``, sample counts, ``feature_extractor``), ``step`` and
        ``seconds``.
    """
    from tfgan_suite import runs

    started = time.monotonic()
    model = runs.load_run(run_dir)
    evaluator = Evaluator(model.run_config, n=n, seed=seed, classifier=classifier)
    metrics = evaluator.evaluate(model)
    result = evaluator.describe() | {
        "run": os.path.abspath(run_dir), "step": int(model.step_counter.numpy()),
        "metrics": metrics, "seconds": round(time.monotonic() - started, 2)}
    _merge_into_json(evaluation_path(run_dir, out), "evaluation", result)
    return result


def summary_line(result: dict) -> str:
    """One line for the terminal: the headline metrics of an ``evaluate_run`` result."""
    shown = [(k, v) for k, v in result["metrics"].items() if isinstance(v, (int, float))]
    text = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown)
    extractor = result.get("feature_extractor")
    if extractor:
        text += (f" [features: {extractor['name']}, test accuracy "
                 f"{extractor['test_accuracy']:.4f}]")
    return f"{result['dataset']} step {result['step']}: {text}"


class EvaluationCallback(keras.callbacks.Callback):
    """Every ``every_epochs`` epochs: evaluate, log to TensorBoard, keep the best weights.

    Scalars go to ``log_dir`` as ``eval/<metric>`` at the model's step. When ``monitor``
    improves (lower for ``fd_*``/``kid_*``/``reverse_kl``, higher otherwise), the model is
    written with ``tf.train.Checkpoint(model=model).write(<best_dir>/ckpt)`` and
    ``<best_dir>/best.json`` records the metric, value, epoch and step.

    Args:
        config: the run's resolved config.
        log_dir: TensorBoard directory (None: no summaries).
        best_dir: where the best checkpoint goes, e.g. ``<run>/best`` (None: not kept).
        every_epochs: evaluation period in epochs.
        n: samples per evaluation (small: this runs during training).
        metrics: metric groups (``Evaluator.groups``); default ``("fd",)`` for images,
            ``("mode_coverage",)`` for toy data.
        monitor: the metric that selects the best checkpoint; default ``fd_<space>`` for
            images, ``modes`` for toy data.
        seed: sampling seed (fixed, so evaluations differ only by the weights).
        classifier: image runs: the ``DomainClassifier`` to use.
    """

    def __init__(self, config: dict, log_dir: Optional[str] = None,
                 best_dir: Optional[str] = None, every_epochs: int = 1, n: int = 2000,
                 metrics: Optional[Sequence[str]] = None, monitor: Optional[str] = None,
                 seed: int = 0,
                 classifier: Optional[classifier_lib.DomainClassifier] = None):
        super().__init__()
        if int(every_epochs) != every_epochs or every_epochs < 1:
            raise ValueError(f"every_epochs: must be a positive integer, got {every_epochs!r}")
        self.evaluator = Evaluator(config, n=n, seed=seed, classifier=classifier)
        toy = self.evaluator.mixture is not None
        self.groups = tuple(metrics or (("mode_coverage",) if toy else ("fd",)))
        self.monitor = monitor or ("modes" if toy else f"fd_{self.evaluator.space}")
        self.every_epochs = int(every_epochs)
        self.best_dir = best_dir
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None
        self.best: Optional[float] = None
        self.history: list[dict] = []

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        return value < self.best if lower_is_better(self.monitor) else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs:
            return
        step = int(self.model.step_counter.numpy()) if hasattr(
            self.model, "step_counter") else epoch + 1
        results = self.evaluator.evaluate(self.model, self.groups)
        if self.monitor not in results:
            raise ValueError(f"monitor: {self.monitor!r} is not computed by metrics "
                             f"{list(self.groups)}; computed: {sorted(results)}")
        scalars = {k: float(v) for k, v in results.items() if isinstance(v, (int, float))}
        self.history.append({"epoch": epoch + 1, "step": step} | scalars)
        if self.writer is not None:
            with self.writer.as_default():
                for name, value in scalars.items():
                    tf.summary.scalar(f"eval/{name}", value, step=step)
            self.writer.flush()
        if not self._improved(scalars[self.monitor]):
            return
        self.best = scalars[self.monitor]
        if self.best_dir is not None:
            tf.train.Checkpoint(model=self.model).write(os.path.join(self.best_dir, "ckpt"))
            with open(os.path.join(self.best_dir, "best.json"), "w", encoding="utf-8") as f:
                json.dump({"monitor": self.monitor, "value": self.best, "epoch": epoch + 1,
                           "step": step}, f, indent=2)


__all__ = ["EvaluationCallback", "Evaluator", "evaluate_run", "evaluation_path",
           "feature_space", "lower_is_better", "summary_line"]
