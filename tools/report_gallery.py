"""The report pictures of the docs, docs/report/ (issue #19): trains four small runs, writes
their ``tfgan report`` pages and screenshots them in headless Chromium.

Reports (``docs/report/<name>.png``; the pages themselves under ``--runs``):

- ``toy``: GAN on the 8-Gaussian ring (``configs/toy2d.yaml``);
- ``demo``: the ``make demo`` DCGAN on Fashion-MNIST (``cli.DEMO_RECIPE``), best
  checkpoint kept by FD during training (``eval.keep_best``);
- ``conditional``: cGAN on Fashion-MNIST (``configs/cgan_fashion_mnist.yaml``);
- ``comparison``: the demo run against the TensorFlow-tutorial DCGAN recipe
  (``configs/dcgan_tutorial_fashion_mnist.yaml``), both trained the same minutes.

Runs already in ``--runs`` are reused (delete them to retrain). Every image run trains
``--minutes`` of wall clock on the whole machine, one after another (the toy run one
minute).

    python tools/report_gallery.py [--minutes 4] [--runs /tmp/tfgan_gallery]
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_suite import cli, report, runs  # noqa: E402

DOCS = os.path.join(ROOT, "docs", "report")
#: name → (recipe, extra overrides)
RUNS = {
    "toy": ("toy2d.yaml", ["train.max_minutes=1"]),  # converges in a minute
    "demo": (cli.DEMO_RECIPE, ["eval.every_minutes=1", "eval.n=2000",
                               "eval.keep_best=fd_fmnist"]),
    "conditional": ("cgan_fashion_mnist.yaml", []),
    "tutorial": ("dcgan_tutorial_fashion_mnist.yaml", []),
}
#: report name → the runs it shows
REPORTS = {"toy": ["toy"], "demo": ["demo"], "conditional": ["conditional"],
           "comparison": ["demo", "tutorial"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--runs", default="/tmp/tfgan_gallery")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--only", nargs="*", choices=sorted(REPORTS))
    args = parser.parse_args(argv)
    wanted = args.only or sorted(REPORTS)
    needed = sorted({run for name in wanted for run in REPORTS[name]})
    for name in needed:
        directory = os.path.join(args.runs, name)
        if os.path.isfile(os.path.join(directory, "metrics.json")):
            print(f"{name}: reusing {directory}")
            continue
        recipe, overrides = RUNS[name]
        print(f"{name}: training {recipe} for {args.minutes} minutes")
        runs.train(os.path.join(ROOT, "configs", recipe), directory, verbose=0,
                   overrides=[f"train.max_minutes={args.minutes}", *overrides])  # later wins
    os.makedirs(DOCS, exist_ok=True)
    for name in wanted:
        page = report.write_report([os.path.join(args.runs, run) for run in REPORTS[name]],
                                   os.path.join(args.runs, f"{name}.html"), n=args.n)
        picture = report.screenshot(page, os.path.join(DOCS, f"{name}.png"), 1200, 2400)
        print(f"{name}: {page} ({os.path.getsize(page) / 1e6:.1f} MB) → {picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
