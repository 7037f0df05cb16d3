"""Real-data floors and costs of the offline image metrics (benchmarks.md §2).

1. Trains (or loads from the cache) the Fashion-MNIST ``DomainClassifier`` and records its
   test accuracy.
2. Floors: the metrics between 10,000 real **train** images (a seeded subset) and the
   10,000 real **test** images, in the classifier's feature space. A generator cannot be
   expected to beat them at the same sample counts.
3. Cost: seconds and peak traced memory of each metric on 10,000 × 10,000 features, in the
   classifier's space and for 2,048-d standard-normal features (the size of InceptionV3's
   pool3, i.e. what real FID costs once features exist).

Results: ``docs/results/metrics_floor.md`` and ``.json``.

    python tools/bench_metrics.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from tfgan_suite import cache, provenance  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASET = "fashion_mnist"
SAMPLES = 10000
RANDOM_FEATURE_DIM = 2048


def machine() -> dict:
    info = provenance.machine()
    return {key: info[key] for key in ("cpu", "cores", "system", "python")}


def git_revision() -> str:
    revision = provenance.git_revision(ROOT)
    # Only the code that determines these numbers: the tool and the metrics package.
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "tools/bench_metrics.py",
                            "tfgan_suite/metrics", "tfgan_suite/data"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return revision + (" (metrics code has uncommitted changes)" if dirty else "")


def all_metrics(real: np.ndarray, fake: np.ndarray, seed: int) -> dict:
    """The §2 metrics of ``fake`` against ``real`` (one call each)."""
    from tfgan_suite import metrics

    kid_mean, kid_std = metrics.kernel_distance(real, fake, seed=seed)
    return {"fd": metrics.frechet_distance(real, fake), "kid_mean": kid_mean,
            "kid_std": kid_std, **metrics.precision_recall(real, fake, k=3),
            **metrics.density_coverage(real, fake, k=5)}


def measure(repeats: int, function, *args, **kwargs) -> dict:
    """Fastest of ``repeats`` calls (the machine is shared) and the tracemalloc peak (MB)."""
    times, peak = [], 0
    for _ in range(repeats):
        tracemalloc.start()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - started)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return {"seconds": round(min(times), 2), "all_seconds": [round(t, 2) for t in times],
            "peak_mb": round(peak / 2**20, 1)}


def costs(real: np.ndarray, fake: np.ndarray, seed: int, repeats: int) -> dict:
    from tfgan_suite import metrics

    return {
        "frechet_distance": measure(repeats, metrics.frechet_distance, real, fake),
        "kernel_distance (100 × 1,000)": measure(repeats, metrics.kernel_distance, real,
                                                  fake, seed=seed),
        "precision_recall (k=3)": measure(repeats, metrics.precision_recall, real, fake, k=3),
        "density_coverage (k=5)": measure(repeats, metrics.density_coverage, real, fake, k=5),
    }


def write_results(result: dict) -> None:
    out_dir = os.path.join(ROOT, "docs", "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics_floor.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    meta, clf, floor = result["meta"], result["classifier"], result["floor"]
    lines = [
        "# Offline image metrics: classifier, real-data floors, costs", "",
        f"- command: `{meta['command']}`",
        f"- git revision: {meta['git_revision']}",
        f"- machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, "
        f"{meta['machine']['system']}; Python {meta['machine']['python']}, TensorFlow "
        f"{meta['tensorflow']}, NumPy {meta['numpy']}, SciPy {meta['scipy']}",
        f"- date: {meta['date']}; wall clock {meta['wall_clock_seconds'] / 60:.1f} min "
        "(the machine was shared with another long benchmark: times are upper bounds)",
        f"- seeds: classifier {meta['seeds']['classifier']}, train subset "
        f"{meta['seeds']['train_subset']}, KID subsets {meta['seeds']['kid']}, random "
        f"features {meta['seeds']['random_features']}", "",
        "## Feature extractor", "",
        f"`{clf['name']}` (cache key `{clf['key']}`): a 2-conv CNN (32, 64 filters, 3×3, max "
        f"pool) → Dense({clf['feature_dim']}) ReLU = features → dropout → 10 logits, trained "
        f"on the 60,000 train images for {clf['epochs']} epochs (Adam 2e-3, batch 128).", "",
        f"- **test accuracy: {100 * clf['test_accuracy']:.2f} %** (10,000 test images)",
        "- training is seeded but TensorFlow's CPU kernels are not bit-deterministic, so "
        "retraining the same cache key gives a slightly different network (accuracy within "
        "a few tenths of a percent): the cached file is the reference feature space; copy "
        "it to compare numbers across machines.",
        f"- training time: {clf['train_seconds']} s (test accuracy included; "
        + ("trained by this run)" if clf["trained_now"] else
           "read from the cache entry, trained by an earlier run)"), "",
        f"## Floors: {SAMPLES:,} real train vs {SAMPLES:,} real test images", "",
        "Fashion-MNIST, features of the classifier above. A model evaluated with the same "
        "counts (10,000 generated vs the 10,000 test images) cannot be expected to do better.",
        "",
        "| FD_fmnist | KID_fmnist (mean ± std) | precision (k=3) | recall (k=3) | "
        "density (k=5) | coverage (k=5) |", "|---|---|---|---|---|---|",
        f"| {floor['fd']:.4f} | {floor['kid_mean']:.6f} ± {floor['kid_std']:.6f} | "
        f"{floor['precision']:.4f} | {floor['recall']:.4f} | {floor['density']:.4f} | "
        f"{floor['coverage']:.4f} |", "",
        f"KID's ± is the std of MMD² over its 100 subsets of 1,000 (standard error of the mean "
        f"= std / 10). In this space the cubic kernel is heavy-tailed (features are unnormalised "
        f"ReLU outputs; {clf['live_feature_dims_on_test']} of "
        f"{clf['feature_dim']} units are non-zero on the test set), so KID differences "
        f"below ≈ {2 * floor['kid_std'] / 10:.4f} are not resolved at these counts.", "",
        f"## Cost of each metric on {SAMPLES:,} × {SAMPLES:,} features", "",
        "Seconds of wall clock (d = 128: fastest of "
        f"{result['cost']['repeats']['classifier_features']} calls; d = 2048: one call) and "
        "peak memory traced by `tracemalloc` (NumPy/SciPy array allocations; BLAS/LAPACK "
        "internal workspace is not traced). Feature extraction is not included.", "",
        "| metric | classifier features (d = "
        f"{clf['feature_dim']}) s | peak MB | random features (d = {RANDOM_FEATURE_DIM}) s "
        "| peak MB |", "|---|---|---|---|---|"]
    for name, small in result["cost"]["classifier_features"].items():
        large = result["cost"]["random_2048"][name]
        lines.append(f"| {name} | {small['seconds']} | {small['peak_mb']} | "
                     f"{large['seconds']} | {large['peak_mb']} |")
    lines += ["", f"Feature extraction of {2 * SAMPLES:,} images with the classifier: "
              f"{result['cost']['feature_extraction_seconds']} s.", ""]
    with open(os.path.join(out_dir, "metrics_floor.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="train subset and KID subsets")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timings of the d=128 costs (fastest reported); d=2048 once")
    parser.add_argument("--cache-dir", help="classifier cache (default $TFGAN_CACHE_DIR or "
                        "~/.cache/tfgan_suite)")
    args = parser.parse_args(argv)
    import scipy
    import tensorflow as tf

    from tfgan_suite import data
    from tfgan_suite.metrics import classifier as classifier_lib

    started = time.monotonic()
    config = classifier_lib.ClassifierConfig()
    key = classifier_lib.cache_key(DATASET, 28, 1, config)
    root = os.path.join(args.cache_dir or cache.cache_dir(), "classifiers")
    trained_now = not os.path.isfile(os.path.join(root, f"{key}.keras"))
    clf_started = time.monotonic()
    classifier = classifier_lib.get_domain_classifier(DATASET, config=config,
                                                      directory=args.cache_dir)
    with open(os.path.join(root, f"{key}.json"), encoding="utf-8") as handle:
        train_seconds = json.load(handle).get("train_seconds")
    load_seconds = round(time.monotonic() - clf_started, 1)
    print(f"classifier {classifier.name}: test accuracy {classifier.test_accuracy:.4f}",
          flush=True)

    train_images, _ = data.load_arrays(DATASET, "train")
    test_images, _ = data.load_arrays(DATASET, "test")
    subset = np.random.default_rng(args.seed).permutation(len(train_images))[:SAMPLES]
    extract_started = time.monotonic()
    train_features = classifier.features(train_images[subset])
    test_features = classifier.features(test_images[:SAMPLES])
    extraction_seconds = round(time.monotonic() - extract_started, 1)
    live_dims = int(np.count_nonzero(test_features.std(axis=0) > 0))
    floor = all_metrics(train_features, test_features, args.seed)
    print("floor", json.dumps(floor), flush=True)

    rng = np.random.default_rng(args.seed + 1)
    random_a = rng.standard_normal([SAMPLES, RANDOM_FEATURE_DIM], dtype=np.float32)
    random_b = rng.standard_normal([SAMPLES, RANDOM_FEATURE_DIM], dtype=np.float32)
    cost = {"classifier_features": costs(train_features, test_features, args.seed,
                                         args.repeats),
            "repeats": {"classifier_features": args.repeats, "random_2048": 1}}
    print("cost classifier features", json.dumps(cost["classifier_features"]), flush=True)
    cost["random_2048"] = costs(random_a, random_b, args.seed, repeats=1)
    print("cost random 2048", json.dumps(cost["random_2048"]), flush=True)
    cost["feature_extraction_seconds"] = extraction_seconds

    result = {
        "meta": {"command": "python tools/bench_metrics.py " + " ".join(sys.argv[1:]),
                 "git_revision": git_revision(), "machine": machine(),
                 "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                     "%Y-%m-%d %H:%M UTC"),
                 "tensorflow": tf.__version__, "numpy": np.__version__,
                 "scipy": scipy.__version__,
                 "seeds": {"classifier": config.seed, "train_subset": args.seed,
                           "kid": args.seed, "random_features": args.seed + 1},
                 "wall_clock_seconds": round(time.monotonic() - started, 1)},
        "classifier": classifier.describe() | {
            "epochs": config.resolved_epochs(DATASET), "trained_now": trained_now,
            "train_seconds": train_seconds, "get_seconds": load_seconds,
            "live_feature_dims_on_test": live_dims},
        "floor": {"n_train": SAMPLES, "n_test": SAMPLES, **floor},
        "cost": cost,
    }
    write_results(result)
    print(open(os.path.join(ROOT, "docs", "results", "metrics_floor.md")).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
