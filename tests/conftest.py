"""Test-session settings shared by every module."""

import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: tests/shared_cache.py's session directory of trained classifiers.
SHARED_CLASSIFIERS_ENV = "TFGAN_TEST_CLASSIFIERS"


def pytest_configure(config):
    # In the controller (or a run without xdist), before the workers start: they inherit it.
    if not hasattr(config, "workerinput") and not os.environ.get(SHARED_CLASSIFIERS_ENV):
        config.tfgan_shared_classifiers = tempfile.mkdtemp(prefix="tfgan_test_classifiers_")
        os.environ[SHARED_CLASSIFIERS_ENV] = config.tfgan_shared_classifiers


def pytest_unconfigure(config):
    shared = getattr(config, "tfgan_shared_classifiers", None)
    if shared:
        shutil.rmtree(shared, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    # tf.test.TestCase defines a `test_session` helper that pytest would collect and skip.
    items[:] = [item for item in items if item.name != "test_session"]
