"""Test-session settings shared by every module."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_collection_modifyitems(config, items):
    # tf.test.TestCase defines a `test_session` helper that pytest would collect and skip.
    items[:] = [item for item in items if item.name != "test_session"]
