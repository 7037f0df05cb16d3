"""The benchmarks' subprocess runner (tools/bench_fashion_mnist.py): output, failures,
timeouts, and CPU time that belongs to the child it names when two run at a time."""

import concurrent.futures
import os
import subprocess
import sys

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_fashion_mnist as bench  # noqa: E402


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


class RunPinnedTest(tf.test.TestCase):

    def test_returns_the_childs_stdout(self):
        self.assertEqual(bench.run_pinned(python("print('hello')"), timeout=60), "hello\n")

    def test_a_failure_raises_with_the_end_of_stderr(self):
        with self.assertRaisesRegex(RuntimeError, "failed:\n.*broken"):
            bench.run_pinned(python("import sys; sys.exit('broken')"), timeout=60)

    def test_a_child_past_its_timeout_is_killed(self):
        with self.assertRaises(subprocess.TimeoutExpired):
            bench.run_pinned(python("import time; time.sleep(60)"), timeout=0.5)

    def test_each_child_counts_only_its_own_cpu_when_two_run_at_a_time(self):
        # The busy child burns 0.5 s of CPU, then leaves a marker and exits; the idle one
        # waits for the marker and a second more, so the busy child is reaped inside the idle
        # one's run — where a process-wide RUSAGE_CHILDREN count would add it to the idle's.
        marker = os.path.join(self.get_temp_dir(), "busy_done")
        busy = python("import time\nstart = time.process_time()\n"
                      "while time.process_time() - start < 0.5:\n    pass\n"
                      f"open({marker!r}, 'w').close()")
        idle = python(f"import os, time\nwhile not os.path.exists({marker!r}):\n"
                      "    time.sleep(0.02)\ntime.sleep(1.0)")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            idle_run = pool.submit(bench.run_pinned_cpu, idle, 120)
            busy_run = pool.submit(bench.run_pinned_cpu, busy, 120)
            (_, idle_cpu), (_, busy_cpu) = idle_run.result(), busy_run.result()
        self.assertGreaterEqual(busy_cpu, 0.5)
        self.assertLess(idle_cpu, 0.4)  # interpreter start-up and polling only


if __name__ == "__main__":
    tf.test.main()
