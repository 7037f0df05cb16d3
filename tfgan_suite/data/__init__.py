"""Data for tfgan_suite: named image datasets, 2-D toy mixtures and the speech corpus
(``voices``).

Example:

    from tfgan_suite import data
    ds = data.load("fashion_mnist", batch_size=64, image_size=32)   # [64, 32, 32, 1]
    mix = data.toy2d("grid", side=5, spacing=2.0, std=0.05)
    x = mix.sample(10000, seed=0)                                   # [10000, 2]
"""
from tfgan_suite.data import voices
from tfgan_suite.data.sources import (
    DATA_DIR_ENV,
    DATASET_NAMES,
    DATASET_PREFIXES,
    FASHION_MNIST_SYSTEM_DIR,
    SPLITS,
    DatasetNotFoundError,
    dataset_info,
    fit_image_size,
    from_arrays,
    load,
    load_arrays,
    read_idx,
)
from tfgan_suite.data.toy2d import (
    TOY_DEFAULTS,
    TOY_NAMES,
    GaussianMixture2D,
    grid_centers,
    ring_centers,
    toy2d,
)

__all__ = [
    "DATASET_NAMES",
    "DATASET_PREFIXES",
    "DATA_DIR_ENV",
    "FASHION_MNIST_SYSTEM_DIR",
    "SPLITS",
    "TOY_DEFAULTS",
    "TOY_NAMES",
    "DatasetNotFoundError",
    "GaussianMixture2D",
    "dataset_info",
    "fit_image_size",
    "from_arrays",
    "grid_centers",
    "load",
    "load_arrays",
    "read_idx",
    "ring_centers",
    "toy2d",
    "voices",
]
