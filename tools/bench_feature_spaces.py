"""The two Fashion-MNIST feature spaces of every image evaluation: accuracy and floors.

For each space of ``evaluation.feature_spaces("fashion_mnist")`` (the primary 2-conv CNN,
``fd_fmnist``; the independent VGG-style classifier, ``fd_fmnist_vgg``): the classifier's
architecture, seed and test accuracy, and the real-data floors — every metric between a
seeded subset of real **train** images and the real **test** images — at the two sample
counts the benchmarks use (10,000 for final numbers, 5,000 for the FD-versus-time curves).
A generator evaluated at the same counts cannot be expected to do better.

    python tools/bench_feature_spaces.py

Results: ``docs/results/feature_spaces.md`` / ``.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from bench_metrics import all_metrics  # noqa: E402

from tfgan_suite import cache, data, evaluation, provenance  # noqa: E402
from tfgan_suite.metrics import classifier as classifier_lib  # noqa: E402

COUNTS = (10000, 5000)
SEED = 0


def main() -> int:
    train_images, _ = data.load_arrays("fashion_mnist", "train")
    test_images, _ = data.load_arrays("fashion_mnist", "test")
    rows = []
    for suffix, config in evaluation.feature_spaces("fashion_mnist").items():
        classifier = classifier_lib.get_domain_classifier("fashion_mnist", config=config)
        meta_path = os.path.join(cache.cache_dir(), "classifiers",
                                 f"{classifier.key}.json")
        with open(meta_path, encoding="utf-8") as handle:
            train_seconds = json.load(handle).get("train_seconds")
        floors = {}
        for count in COUNTS:
            rng = np.random.default_rng(SEED)
            real_train = train_images[rng.permutation(len(train_images))[:count]]
            real_test = test_images[np.random.default_rng(evaluation.REAL_SUBSET_SEED)
                                    .permutation(len(test_images))[:count]]
            floors[str(count)] = all_metrics(classifier.features(real_test),
                                             classifier.features(real_train), SEED)
        rows.append({"space": suffix, "extractor": classifier.describe(),
                     "config": {k: (list(v) if isinstance(v, tuple) else v)
                                for k, v in vars(config).items()},
                     "train_seconds": train_seconds, "floors": floors})
        print(suffix, classifier.test_accuracy, floors["10000"]["fd"], flush=True)
    meta = {"command": "python tools/bench_feature_spaces.py",
            "git_revision": provenance.git_revision(ROOT),
            "machine": provenance.machine_description(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    results = os.path.join(ROOT, "docs", "results")
    with open(os.path.join(results, "feature_spaces.json"), "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "rows": rows}, handle, indent=2)
    lines = ["# Fashion-MNIST feature spaces: classifiers and real-data floors", "",
             f"- command: `{meta['command']}`", f"- git revision: {meta['git_revision']}",
             f"- machine: {meta['machine']}", f"- date: {meta['date']}",
             "- floors: a seeded subset of real train images vs the evaluation's real test "
             "images (the same subset `tfgan eval` uses), at 10,000 and 5,000 of each", "",
             "| space | classifier | architecture | seed | feature dim | test accuracy "
             "| training s | FD floor (10k) | FD floor (5k) | precision | recall | density "
             "| coverage |", "|---" * 13 + "|"]
    for row in rows:
        extractor, full, half = row["extractor"], row["floors"]["10000"], row["floors"]["5000"]
        lines.append(
            f"| `fd_{row['space']}` | {extractor['name']} (`{extractor['key']}`) | "
            f"{row['config']['architecture']} {tuple(row['config']['filters'])} | "
            f"{row['config']['seed']} | {extractor['feature_dim']} | "
            f"{100 * extractor['test_accuracy']:.2f} % | {row['train_seconds']} | "
            f"{full['fd']:.3f} | {half['fd']:.3f} | {full['precision']:.3f} | "
            f"{full['recall']:.3f} | {full['density']:.3f} | {full['coverage']:.3f} |")
    lines += ["", "Precision/recall (k=3) and density/coverage (k=5) at 10,000. Training "
              "seconds are those of the machine that trained the cached classifier.", ""]
    with open(os.path.join(results, "feature_spaces.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
