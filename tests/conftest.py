"""Test-session settings shared by every module."""

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: tests/shared_cache.py's directory of trained classifiers.
SHARED_CLASSIFIERS_ENV = "TFGAN_TEST_CLASSIFIERS"


def pytest_configure(config):
    # Before any test patches TFGAN_CACHE_DIR, and in the controller before the xdist
    # workers start (they inherit it): the classifiers of the cache every other test uses.
    # cache.py is loaded by its path: importing the package would start TensorFlow here.
    if not os.environ.get(SHARED_CLASSIFIERS_ENV):
        spec = importlib.util.spec_from_file_location(
            "_tfgan_cache", os.path.join(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__))), "tfgan_suite", "cache.py"))
        cache = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cache)
        os.environ[SHARED_CLASSIFIERS_ENV] = os.path.join(cache.cache_dir(), "classifiers")


def pytest_collection_modifyitems(config, items):
    # tf.test.TestCase defines a `test_session` helper that pytest would collect and skip.
    items[:] = [item for item in items if item.name != "test_session"]
