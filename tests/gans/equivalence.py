"""Runs ``family_equivalence.py`` (a fresh process: two logical CPUs must be configured
before TensorFlow starts) and checks that every named model's 2-replica steps equal its
1-device steps."""

import json
import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "family_equivalence.py")


def assert_two_replicas_equal_one_device(test, names: list[str], steps: int = 2,
                                         timeout: int = 900) -> list[dict]:
    """``names``: the script's model names; ``steps``: each mirrored run's final step.
    Returns the script's outcomes (for checks of a model's own extras)."""
    result = subprocess.run([sys.executable, SCRIPT, ",".join(names)], capture_output=True,
                            text=True, timeout=timeout)
    test.assertEqual(result.returncode, 0, result.stderr[-3000:])
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    test.assertEqual([o["model"] for o in outcomes], names)
    for outcome in outcomes:
        test.assertEqual((outcome["replicas"], outcome["steps"]), (2, steps), outcome)
        test.assertGreater(outcome["moved"], 1e-3, outcome)  # the step really trained
        test.assertLess(outcome["max_diff"], 1e-5, outcome)
    return outcomes
