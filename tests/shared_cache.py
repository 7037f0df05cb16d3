"""One classifier cache per test session, for the tests that measure in a feature space but
do not test how its classifier is trained.

Training the digits classifiers of both feature spaces (the primary CNN and the independent
VGG-style network) takes about 25 s on the 2-core CI machine, and every test that pointed
``TFGAN_CACHE_DIR`` at a fresh directory trained them again. ``isolated_cache`` gives a
fresh cache directory — edge maps, transitions and speech analyses still start empty — whose
``classifiers`` entry is the session's shared directory, filled once under a file lock (two
pytest-xdist workers asking at once train it once). The session directory is made by
``conftest.py`` in the controller (``TFGAN_TEST_CLASSIFIERS``, inherited by the workers,
removed at the end); outside pytest a temporary one is made per process. The tests of
training and caching a classifier (``DigitsClassifierTest``) keep their own directory.
"""

import fcntl
import os
import tempfile

SHARED_ENV = "TFGAN_TEST_CLASSIFIERS"


def shared_classifiers() -> str:
    """The session's classifier directory (made on first use outside pytest)."""
    if not os.environ.get(SHARED_ENV):
        os.environ[SHARED_ENV] = tempfile.mkdtemp(prefix="tfgan_test_classifiers_")
    return os.environ[SHARED_ENV]


def isolated_cache(prefix: str, datasets: tuple[str, ...] = ("digits",)) -> str:
    """A new cache directory (the caller removes it) sharing the session's classifiers, with
    every feature space's classifier of ``datasets`` trained in it."""
    from tfgan_suite import evaluation
    from tfgan_suite.metrics import classifier as classifier_lib

    shared = shared_classifiers()
    directory = tempfile.mkdtemp(prefix=prefix)
    os.symlink(shared, os.path.join(directory, "classifiers"))
    with open(os.path.join(shared, ".lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for dataset in datasets:
                for config in evaluation.feature_spaces(dataset).values():
                    classifier_lib.get_domain_classifier(dataset, config=config,
                                                         directory=directory)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return directory
