"""One classifier cache for the tests that measure in a feature space but do not test how its
classifier is trained.

Training the digits classifiers of both feature spaces (the primary CNN and the independent
VGG-style network) takes about 25 s on the 2-core CI machine, and every test that pointed
``TFGAN_CACHE_DIR`` at a fresh directory trained them again — besides the tests that use the
default cache, which trained them once more. ``isolated_cache`` gives a fresh cache
directory — edge maps, transitions and speech analyses still start empty — whose
``classifiers`` entry is the classifier directory of the cache the other tests use
(``~/.cache/tfgan_suite/classifiers`` or ``$TFGAN_CACHE_DIR``'s, as at the start of the
session: ``conftest.py`` records it in ``TFGAN_TEST_CLASSIFIERS``), the classifiers trained
in it under a file lock, so two pytest-xdist workers asking at once train them once. Cached
classifiers are keyed by their dataset, architecture, training config and code version
(``metrics/classifier.py``). The tests of training and caching a classifier
(``DigitsClassifierTest``) keep their own directory.
"""

import fcntl
import os
import shutil
import tempfile
from unittest import mock

SHARED_ENV = "TFGAN_TEST_CLASSIFIERS"


def shared_classifiers() -> str:
    """The shared classifier directory (``conftest.py``'s; outside pytest: the cache's)."""
    if not os.environ.get(SHARED_ENV):
        from tfgan_suite import cache

        os.environ[SHARED_ENV] = os.path.join(cache.cache_dir(), "classifiers")
    os.makedirs(os.environ[SHARED_ENV], exist_ok=True)
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


def use_isolated_cache(test_class, prefix: str) -> str:
    """In ``setUpClass``: ``TFGAN_CACHE_DIR`` is a new ``isolated_cache`` for the class's
    tests; the class cleanup restores the environment and removes the directory."""
    directory = isolated_cache(prefix)
    environment = mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": directory})
    environment.start()
    test_class.addClassCleanup(shutil.rmtree, directory, ignore_errors=True)
    test_class.addClassCleanup(environment.stop)
    return directory
