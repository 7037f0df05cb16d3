"""The glyphs dataset as built on this machine: fonts, styles and design groups per split,
the factors' counts, sample grids of both splits, and (``--classifiers``) the test
accuracy of each feature space's domain classifier on the character.

    python tools/glyphs_report.py [--classifiers]

Results: ``docs/results/glyphs.md`` / ``.json``, grids under ``docs/results/glyphs/``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_suite import provenance  # noqa: E402
from tfgan_suite.data import glyphs  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")


def describe(split: glyphs.GlyphSet) -> dict:
    families = sorted({split.families[i] for i in split.family})
    per_style = len(glyphs.CHARACTERS)
    return {"images": len(split), "styles": len(set(split.style.tolist())),
            "families": len(families),
            "groups": sorted({glyphs.design_group(f) for f in families}),
            "weights": {w: int((split.weight == i).sum()) // per_style
                        for i, w in enumerate(glyphs.WEIGHTS)},
            "italic_styles": int(split.italic.sum()) // per_style}


def classifier_accuracies() -> dict:
    from tfgan_suite import data, evaluation
    from tfgan_suite.metrics import classifier as classifier_lib

    images, labels = data.load_arrays("glyphs", "test")
    result = {}
    for space, config in evaluation.feature_spaces("glyphs").items():
        network = classifier_lib.get_domain_classifier("glyphs", config=config)
        result[space] = {"classifier": network.name,
                         "test_accuracy": float(network.accuracy(images, labels))}
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifiers", action="store_true",
                        help="also train (or load) the domain classifiers and report their "
                             "test accuracy on the character")
    args = parser.parse_args(argv)
    from tfgan_suite.viz import grids

    splits = glyphs.build()
    rng = np.random.default_rng(0)
    os.makedirs(os.path.join(RESULTS, "glyphs"), exist_ok=True)
    for name, split in splits.items():
        pick = rng.choice(len(split), 96, replace=False)
        grids.save_image_grid(split.images[pick][..., None].astype(np.float32) / 127.5 - 1.0,
                              os.path.join(RESULTS, "glyphs", f"{name}.png"), columns=16)
    report = {"command": "python tools/glyphs_report.py" + (" --classifiers"
                                                            if args.classifiers else ""),
              "git_revision": provenance.git_revision(ROOT),
              "machine": provenance.machine_description(),
              "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                  "%Y-%m-%d %H:%M UTC"),
              "packages": list(glyphs.PACKAGES),
              "splits": {name: describe(split) for name, split in splits.items()}}
    if args.classifiers:
        report["classifiers"] = classifier_accuracies()
    with open(os.path.join(RESULTS, "glyphs.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    lines = ["# The glyphs dataset", "",
             f"- command: `{report['command']}`",
             f"- git revision: {report['git_revision']}",
             f"- machine: {report['machine']}", f"- date: {report['date']}",
             f"- fonts: every .ttf / .otf of {len(glyphs.PACKAGES)} Debian packages "
             "(`tfgan_suite/data/glyph_packages.txt`); rules: `tfgan_suite/data/glyphs.py`",
             "", "| split | images | styles | families | design groups | light / regular / "
             "medium / bold / black styles | italic styles |", "|---" * 7 + "|"]
    for name, entry in report["splits"].items():
        weights = " / ".join(str(entry["weights"][w]) for w in glyphs.WEIGHTS)
        lines.append(f"| {name} | {entry['images']:,} | {entry['styles']} | "
                     f"{entry['families']} | {len(entry['groups'])} | {weights} | "
                     f"{entry['italic_styles']} |")
    lines += ["", "Test design groups (never seen in training): "
              + ", ".join(report["splits"]["test"]["groups"]) + ".", ""]
    if "classifiers" in report:
        lines += ["| space | classifier | test accuracy (character, 62 classes) |",
                  "|---|---|---|"]
        lines += [f"| `{space}` | {entry['classifier']} | {100 * entry['test_accuracy']:.2f} % |"
                  for space, entry in report["classifiers"].items()]
        lines.append("")
    else:
        lines += ["Domain classifiers: not trained by this report yet (`--classifiers`).", ""]
    for name in splits:
        lines += [f"## {name} (96 random glyphs)", "", f"![{name}](glyphs/{name}.png)", ""]
    with open(os.path.join(RESULTS, "glyphs.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
