"""Sample-quality metrics for GANs, as pure numpy/scipy functions of features or probabilities.

| metric | function | paper |
|---|---|---|
| Fréchet distance (FID, FD_fmnist) | `frechet_distance`, `FeatureStats` | Heusel et al., 2017 |
| ... from given moments | `frechet_distance_from_moments` | Heusel et al., 2017 |
| Kernel distance (KID) | `kernel_distance` | Bińkowski et al., 2018 |
| Inception Score | `inception_score` | Salimans et al., 2016 |
| Precision / recall | `precision_recall` | Kynkäänniemi et al., 2019 |
| Density / coverage | `density_coverage` | Naeem et al., 2020 |
| Mode coverage on mixtures | `mode_coverage` | Srivastava et al., 2017; Lin et al., 2018 |
| Memorisation (copying check) | `memorisation_check` | Meehan et al., 2020 (reduced) |

Feature extraction (InceptionV3, the Fashion-MNIST classifier) lives elsewhere; these
functions take the (num_samples, d) feature matrices it produces. Speech measures (MCD, DTW,
global variance, modulation spectrum, LSD, F0 errors) are in ``metrics.speech``; the
independent judges of converted speech (speaker identification, sentence retrieval) in
``metrics.speaker``; the naturalness judges of postfiltered features (natural against
over-smoothed) in ``metrics.naturalness``; bootstrap intervals over utterances in
``metrics.intervals``.
"""

from tfgan_suite.metrics import intervals, naturalness, speaker, speech
from tfgan_suite.metrics.frechet import frechet_distance, frechet_distance_from_moments
from tfgan_suite.metrics.inception_score import inception_score
from tfgan_suite.metrics.kernel import kernel_distance
from tfgan_suite.metrics.memorisation import memorisation_check, nearest_neighbours
from tfgan_suite.metrics.modes import mode_coverage
from tfgan_suite.metrics.prdc import density_coverage, precision_recall
from tfgan_suite.metrics.stats import FeatureStats

__all__ = [
    "FeatureStats",
    "density_coverage",
    "frechet_distance",
    "frechet_distance_from_moments",
    "inception_score",
    "intervals",
    "kernel_distance",
    "memorisation_check",
    "mode_coverage",
    "naturalness",
    "nearest_neighbours",
    "precision_recall",
    "speaker",
    "speech",
]
