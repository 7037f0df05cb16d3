"""What buys unconditional Fashion-MNIST quality per CPU-minute: the recipe search (issue #20).

Every candidate is a recipe plus ``--set`` overrides, trained through ``tfgan train`` for the
same short budget (``--minutes``, default 5: a screening budget, so that the whole search
fits in about an hour of one 2-core machine) and measured by ``tfgan eval`` in both feature
spaces (``fd_fmnist``: the primary CNN; ``fd_fmnist_vgg``: the independent VGG-style
classifier). Candidates change one thing at a time against a reference, so each row says
what that one change bought at this budget. Every candidate tried is in the table, not only
the winner; the winner is then confirmed at 30 minutes over seeds by
``tools/bench_fashion_mnist.py``.

    python tools/search_fashion_mnist.py --minutes 5
    python tools/search_fashion_mnist.py --minutes 5 --only hinge_sn hinge_sn_w64 --merge

Results: ``docs/results/recipe_search.md`` / ``.json`` (``--merge`` keeps rows not rerun).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from bench_fashion_mnist import RESULTS, run_recipe  # noqa: E402

from tfgan_suite import provenance  # noqa: E402

DCGAN = "dcgan_fashion_mnist.yaml"
TUTORIAL = "dcgan_tutorial_fashion_mnist.yaml"
#: Hinge loss with a spectrally normalised discriminator and no dropout: the projection
#: recipe's objective and discriminator, without labels.
HINGE_SN = ("objective.name=hinge", "discriminator.spectral_norm=true",
            "discriminator.dropout=0.0")

#: (name, recipe, overrides, what the row tests)
CANDIDATES = [
    ("tutorial", TUTORIAL, (), "baseline: the TF DCGAN tutorial"),
    ("dcgan", DCGAN, (), "the suite's dcgan recipe (NS loss, dropout D, EMA 0.999)"),
    ("hinge_sn", DCGAN, HINGE_SN, "hinge + SN discriminator, no dropout"),
    ("ns_sn", DCGAN, ("discriminator.spectral_norm=true", "discriminator.dropout=0.0"),
     "NS loss + SN discriminator, no dropout"),
    ("ns_r1", DCGAN, ("discriminator.dropout=0.0", "penalties.r1.weight=0.1",
                      "penalties.r1.interval=4"),
     "NS loss + lazy R1 (gamma 0.1, every 4 D steps), no dropout"),
    ("dcgan_w64", DCGAN, ("generator.base_filters=64", "discriminator.base_filters=64"),
     "the dcgan recipe at 2x width"),
    ("dcgan_g64", DCGAN, ("generator.base_filters=64",), "the dcgan recipe, 2x generator width"),
    ("dcgan_b128", DCGAN, ("data.batch_size=128",), "the dcgan recipe at batch 128"),
    ("dcgan_ttur", DCGAN, ("train.d_learning_rate=4.0e-4", "train.g_learning_rate=1.0e-4"),
     "the dcgan recipe with TTUR (D 4e-4, G 1e-4)"),
    ("dcgan_lr4", DCGAN, ("train.d_learning_rate=4.0e-4", "train.g_learning_rate=4.0e-4"),
     "the dcgan recipe, both learning rates 4e-4"),
    ("dcgan_bf16", DCGAN, ("precision=mixed_bfloat16",), "the dcgan recipe in mixed bfloat16"),
    ("dcgan_g64_lr4", DCGAN, ("generator.base_filters=64", "train.d_learning_rate=4.0e-4",
                              "train.g_learning_rate=4.0e-4"),
     "2x generator width and both learning rates 4e-4 (the two best single changes)"),
    ("hinge_sn_w64", DCGAN, (*HINGE_SN, "generator.base_filters=64",
                             "discriminator.base_filters=64"), "hinge + SN, 2x width"),
    ("hinge_sn_b128", DCGAN, (*HINGE_SN, "data.batch_size=128"), "hinge + SN, batch 128"),
    ("hinge_sn_ttur", DCGAN, (*HINGE_SN, "train.d_learning_rate=4.0e-4",
                              "train.g_learning_rate=1.0e-4"),
     "hinge + SN, TTUR (D 4e-4, G 1e-4)"),
    ("hinge_sn_lr4", DCGAN, (*HINGE_SN, "train.d_learning_rate=4.0e-4",
                             "train.g_learning_rate=4.0e-4"), "hinge + SN, both lr 4e-4"),
    ("hinge_sn_bf16", DCGAN, (*HINGE_SN, "precision=mixed_bfloat16"),
     "hinge + SN, mixed bfloat16"),
    ("ssgan", "ssgan_fashion_mnist.yaml", (),
     "dcgan_g64_lr4 + rotation self-supervision of D (SS-GAN, β 1, α 0.2)"),
    ("dcgan_g64_lr6", DCGAN, ("generator.base_filters=64", "train.d_learning_rate=6.0e-4",
                              "train.g_learning_rate=6.0e-4"),
     "2x generator width and both learning rates 6e-4"),
    ("dcgan_g64_lr8", DCGAN, ("generator.base_filters=64", "train.d_learning_rate=8.0e-4",
                              "train.g_learning_rate=8.0e-4"),
     "2x generator width and both learning rates 8e-4"),
    ("dcgan_g64_lr6_ema9995", DCGAN, ("generator.base_filters=64",
                                      "train.d_learning_rate=6.0e-4",
                                      "train.g_learning_rate=6.0e-4", "train.ema_decay=0.9995"),
     "dcgan_g64_lr6 with a slower EMA (decay 0.9995)"),
    ("dcgan_g96_lr4", DCGAN, ("generator.base_filters=96", "train.d_learning_rate=4.0e-4",
                              "train.g_learning_rate=4.0e-4"),
     "3x generator width and both learning rates 4e-4"),
]


def _fmt(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_markdown(meta: dict, rows: list[dict]) -> None:
    by_name = {row["name"]: row for row in rows}
    reference = by_name.get("tutorial")
    lines = [
        "# Unconditional Fashion-MNIST: the recipe search", "",
        "- commands (each row ran under one of them; `--merge` keeps earlier rows): "
        + "; ".join(f"`{c}`" for c in meta.get("commands", [meta["command"]])),
        f"- git revision: {meta['git_revision']} (each row names the revision it ran at)",
        f"- machine: {meta['machine']}; TensorFlow {meta['tensorflow']}",
        f"- date: {meta['date']}",
        f"- budget: **{meta['minutes']:g} minutes of training per candidate** (a screening "
        "budget: the curves of fashion_mnist_seeds.md show how far 5 minutes is from 30; "
        "the winner is confirmed at 30 minutes over seeds there), seed 0 only — the "
        "seed-to-seed spread at this budget is not measured, so differences of a few FD "
        "points are not resolved — one candidate at a time on the whole machine. The "
        "machine's speed drifts between sittings (steps / s: the same networks ran at 11.7 "
        "(dcgan_g64, 05:24 UTC) and 15.0 (dcgan_g64_lr6, 09:33 UTC) steps / s), so part of a "
        "row's lead can be a faster sitting: compare steps as well as FD",
        f"- metrics: {meta['n_eval']:,} generated vs as many test images; FD in the primary "
        "space (`fd_fmnist`, the 2-conv CNN) and in the independent one (`fd_fmnist_vgg`, the "
        "VGG-style classifier of another seed); ratio = FD / the tutorial baseline's FD in "
        "the same space",
        *[f"- note: {note}" for note in meta.get("notes", [])],
        "",
        "| candidate | what it tests | steps | steps / s | FD_fmnist | ratio | FD_fmnist_vgg "
        "| ratio | precision | recall | revision |",
        "|---" * 11 + "|"]
    for row in rows:
        m = row["metrics"]
        ratios = []
        for key in ("fd_fmnist", "fd_fmnist_vgg"):
            base = reference["metrics"].get(key) if reference else None
            ratios.append(f"{m[key] / base:.2f}" if base and key in m else "—")
        lines.append(
            f"| {row['name']} | {row['what']} | {row['steps']:,} | "
            f"{row['steps_per_second']:.1f} | {_fmt(m.get('fd_fmnist'))} | {ratios[0]} | "
            f"{_fmt(m.get('fd_fmnist_vgg'))} | {ratios[1]} | "
            f"{_fmt(m.get('precision_fmnist'), 3)} | {_fmt(m.get('recall_fmnist'), 3)} | "
            f"{row['git_revision']} |")
    lines += ["", "Overrides of each candidate (on top of its recipe):", ""]
    for row in rows:
        lines.append(f"- `{row['name']}`: `{row['recipe']}` "
                     + (" ".join(f"`--set {o}`" for o in row["overrides"]) or "as it is"))
    lines += ["", "## Sample grids (seed 0)", ""]
    for row in rows:
        lines += [f"### {row['name']}", "", f"![{row['name']}]({row['grid']})", ""]
    with open(os.path.join(RESULTS, "recipe_search.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--only", nargs="*", help="candidate names (default all)")
    parser.add_argument("--n-eval", type=int, default=5000)
    parser.add_argument("--merge", action="store_true",
                        help="keep rows of docs/results/recipe_search.json not rerun")
    parser.add_argument("--keep", help="keep the run directories under this folder (e.g. "
                        "for tools/bench_standing_statistics.py --run); default: deleted")
    parser.add_argument("--rerender", action="store_true",
                        help="only rewrite recipe_search.md from recipe_search.json")
    args = parser.parse_args(argv)
    path = os.path.join(RESULTS, "recipe_search.json")
    if args.rerender:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        write_markdown(saved["meta"], saved["rows"])
        return 0
    names = [name for name, *_ in CANDIDATES]
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        parser.error(f"--only: unknown candidate(s) {unknown}; accepted: {', '.join(names)}")
    revision = provenance.git_revision(ROOT)
    workdir = args.keep or tempfile.mkdtemp(prefix="search_fashion_mnist_")
    rows = []
    if args.merge and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            rows = json.load(handle)["rows"]
    import tensorflow as tf

    meta = {"command": "python tools/search_fashion_mnist.py " + " ".join(sys.argv[1:]),
            "git_revision": revision, "machine": provenance.machine_description(),
            "tensorflow": tf.__version__, "minutes": args.minutes, "n_eval": args.n_eval,
            "date": datetime.date.today().isoformat()}
    previous_commands = []
    if args.merge and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            saved_meta = json.load(handle)["meta"]
        previous_commands = saved_meta.get("commands", [saved_meta["command"]])
    meta["commands"] = [c for c in previous_commands if c != meta["command"]] + [
        meta["command"]]
    if args.merge and os.path.isfile(path):
        meta["notes"] = saved_meta.get("notes", [])
    for name, recipe, overrides, what in CANDIDATES:
        if args.only and name not in args.only:
            continue
        print(f"{name}: training {args.minutes:g} min ...", flush=True)
        row = run_recipe(name, recipe, args.minutes, workdir, args.n_eval, overrides,
                         grid_dir=os.path.join(RESULTS, "recipe_search"))
        row |= {"what": what, "git_revision": revision,
                "machine": provenance.machine_description(),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y-%m-%d %H:%M UTC")}
        rows = [r for r in rows if r["name"] != name] + [row]
        rows.sort(key=lambda r: names.index(r["name"]) if r["name"] in names else len(names))
        print(json.dumps({"name": name, "steps": row["steps"]}
                         | {k: row["metrics"].get(k) for k in ("fd_fmnist", "fd_fmnist_vgg")}),
              flush=True)
        # Written after every candidate: a long search interrupted keeps what it measured.
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"meta": meta, "rows": rows}, handle, indent=2)
        write_markdown(meta, rows)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
