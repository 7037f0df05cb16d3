"""``tfgan report``: one self-contained HTML page per run, or a comparison of several.

A person judges a GAN by looking; this page puts what a run left behind (config, logs,
sample grids, checkpoints) next to what can be measured of it now, in one file that opens
offline: every image is an inlined PNG (``data:`` URI), the styles are inline, and there is
no script. Sections, in order (each an ``<h2>``, or ``<h3>`` under a run's ``<h2>`` when
several runs are compared):

- **Run**: name, model, networks, data, steps, the checkpoint shown (``runs.load_run``:
  the kept best when the run sets ``eval.keep_best``), each training session's provenance
  (``provenance.json``: date, revision, machine, library versions) and the resolved config.
- **Training curves**: the TensorBoard scalars of ``logs/`` — losses and penalties per
  epoch, the learning rates, the evaluations during training.
- **Metrics**: the run measured now on ``n`` samples (``evaluation.make_evaluator``, every
  feature space) beside the **real-data floor**: the same metrics of ``n`` real *training*
  images against the same test images (what a perfect generator would score at this
  ``n``), and the run's stored ``tfgan eval`` result when there is one.
- **Samples over training**: the run's fixed-seed grids (``samples/``) as a timeline.
- **Grids**: per-class grids (conditional models), one grid per latent code (models with
  codes), truncation, style mixing, translations and clean / noise / noisy triples, where
  the model has them.
- **Latent interpolation**: slerp strips in z; lerp along each continuous code.
- **Discriminator saliency** (``viz.saliency``): Saliency, SmoothGrad and GradCAM++ of the
  adversarial logit on real test images and on generated ones.
- **Memorisation** (``metrics.memorisation``): nearest-training-image distances of samples
  against those of held-out real images, and the closest pairs.
- **Comparison** (several runs): their metrics side by side and their curves overlaid.

Sections that do not apply to a run (a toy 2-D run has no saliency) say why in one line.
A speech conversion run (a baseline's ``conversion.save_converter``, or a conversion
model's run) gets its own sections — the converter, its measures, and hidden-test
conversions to listen to (``report.speech``).
"""

from __future__ import annotations

import base64
import datetime
import glob
import html
import io
import json
import os
from typing import Any, Optional, Sequence

import numpy as np

from tfgan_suite.viz import grids

#: Section titles, in page order (the browser test looks for each).
SECTIONS = ("Run", "Training curves", "Metrics", "Samples over training", "Grids",
            "Latent interpolation", "Discriminator saliency", "Memorisation")
COMPARISON = "Comparison"
#: Grids drawn per class / per code value.
ROW = 8
TIMELINE_FRAMES = 6
SALIENCY_IMAGES = 6
NEAREST_PAIRS = 8
MEMORISATION_TRAIN = 20000

_STYLE = """
body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #888;margin-top:1.6em}h3{margin-top:1.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:2px 8px;
font-size:.9em;text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}
img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd;margin:2px}
.note{color:#666;font-style:italic}figure{display:inline-block;margin:4px;text-align:center}
figcaption{font-size:.8em;color:#444}pre{background:#f6f6f6;padding:.5em;overflow:auto;
font-size:.8em}nav a{margin-right:1em}
"""


# ----------------------------------------------------------------------------- encoding
def png_uri(image: np.ndarray) -> str:
    """A ``data:image/png`` URI of a uint8 HW, HW1 or HW3 array."""
    from PIL import Image

    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    buffer = io.BytesIO()
    Image.fromarray(image.astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def file_uri(path: str) -> str:
    """A ``data:`` URI of a PNG file."""
    with open(path, "rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def figure_uri(figure, dpi: int = 90) -> str:
    """A ``data:`` URI of a matplotlib figure (closed afterwards)."""
    plt = grids.pyplot()

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grid_uri(images: np.ndarray, columns: Optional[int] = None, scale: int = 2) -> str:
    """A tiled grid of NHWC images in [−1, 1], each pixel ``scale`` × ``scale``."""
    tiled = grids.image_grid(images, columns=columns)
    return png_uri(np.repeat(np.repeat(tiled, scale, axis=0), scale, axis=1))


def _img(uri: str, alt: str, caption: Optional[str] = None) -> str:
    tag = f'<img src="{uri}" alt="{html.escape(alt)}">'
    if caption is None:
        return tag
    return f"<figure>{tag}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _precision(session: dict) -> str:
    """A session's precision as recorded (``auto → float32``); older runs did not record it."""
    precision = session.get("precision")
    if precision is None:
        return "not recorded"
    if precision["requested"] == precision["resolved"]:
        return precision["resolved"]
    return f"{precision['requested']} → {precision['resolved']}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        return html.escape("—" if value is None else str(value))

    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


# ----------------------------------------------------------------------------- run data
def read_scalars(log_dir: str) -> dict[str, list[tuple[int, float]]]:
    """Every scalar summary under ``log_dir`` (TensorBoard event files, any depth) as
    ``{tag: [(step, value), …]}`` sorted by step; Keras's per-epoch ``epoch_<metric>``,
    ``lr/d``, ``lr/g``, ``eval/<metric>`` and ``final/<metric>``.

    An event file is a TFRecord file of ``Event`` protos, read here with
    ``tf.data.TFRecordDataset`` (``tf.compat.v1.train.summary_iterator`` is deprecated and
    says so on stderr)."""
    import tensorflow as tf

    found: dict[str, dict[int, float]] = {}
    pattern = os.path.join(log_dir, "**", "events.out.tfevents.*")
    for path in sorted(glob.glob(pattern, recursive=True)):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                if value.HasField("simple_value"):
                    number = float(value.simple_value)
                elif plugin == "scalars" and value.HasField("tensor"):
                    number = float(tf.make_ndarray(value.tensor))
                else:
                    continue
                found.setdefault(value.tag, {})[int(event.step)] = number
    return {tag: sorted(points.items()) for tag, points in sorted(found.items())}


def _read_json(path: str, default=None):
    if not os.path.isfile(path):
        return default
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _epochs_as_steps(scalars: dict, steps_per_epoch: int, last_step: Optional[int]) -> dict:
    """Keras logs ``epoch_<metric>`` at the epoch's index; put them at the step where that
    epoch ended, ((index + 1) · steps_per_epoch, at most the run's last step, since a run
    stopped by time ends mid-epoch), so every curve shares the step axis."""
    moved = {}
    for tag, points in scalars.items():
        if tag.startswith("epoch_"):
            points = [((epoch + 1) * steps_per_epoch if last_step is None
                       else min((epoch + 1) * steps_per_epoch, last_step), value)
                      for epoch, value in points]
        moved[tag] = points
    return moved


class TrainImages:
    """A "generator" that returns real training images (of the requested classes): the
    real-data floor is the evaluator's score of this sampler."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, num_classes: Optional[int]):
        self.images, self.labels = images, labels
        self.conditional = num_classes is not None
        self.num_classes = num_classes

    def sample(self, n, seed=0, labels=None, **_):
        rng = np.random.default_rng(seed)
        if labels is None:
            return self.images[rng.choice(len(self.images), n, replace=False)]
        labels = np.broadcast_to(np.asarray(labels), (n,))
        picks = np.empty(n, np.int64)
        for label in np.unique(labels):
            rows = np.flatnonzero(labels == label)
            picks[rows] = rng.choice(np.flatnonzero(self.labels == label), len(rows))
        return self.images[picks]


def real_images(config: dict, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The clean images (at the run's size and channels) and labels of an image run's
    dataset ``split`` — never the corrupted training labels or images."""
    import tensorflow as tf

    from tfgan_suite import data

    images, labels = data.load_arrays(config["data"]["name"], split)
    size = config["data"]["image_size"]
    if size is not None and images.shape[1] != size:
        images = np.concatenate([
            data.fit_image_size(tf.constant(images[i:i + 2048]), size).numpy()
            for i in range(0, len(images), 2048)])
    return images.astype(np.float32), labels


# ----------------------------------------------------------------------------- sections
class RunReport:
    """The sections of one run's page (``sections``: title → HTML) and what the
    comparison needs (``metrics``, ``scalars``, ``name``)."""

    def __init__(self, run: str, n: int = 2000, checkpoint: str = "auto", seed: int = 0,
                 spaces: Optional[Sequence[str]] = None):
        from tfgan_suite import factory, runs

        self.directory = run
        self.name = os.path.basename(os.path.abspath(run))
        self.model = runs.load_run(run, checkpoint=checkpoint)
        # A plain copy: a Keras model wraps the dicts assigned to it in tracking types.
        self.config = json.loads(json.dumps(self.model.run_config))
        self.n = int(n)
        self.seed = seed
        self.spaces = spaces
        self.toy = factory.mixture(self.config) is not None
        self.translates = factory.translates(self.config)
        self.scalars = _epochs_as_steps(
            read_scalars(os.path.join(run, "logs")), self.config["train"]["steps_per_epoch"],
            (_read_json(os.path.join(run, "metrics.json"), {}) or {}).get("steps"))
        self.metrics: dict[str, Any] = {}
        self.floor: dict[str, Any] = {}
        self._real: dict = {}
        self._evaluator = None
        self.sections = {title: getattr(self, "_" + title.lower().replace(" ", "_"))()
                         for title in SECTIONS}

    # -- helpers
    def _real_split(self, split: str):
        if split not in self._real:
            self._real[split] = real_images(self.config, split)
        return self._real[split]

    @property
    def evaluator(self):
        """The run's evaluator at ``n`` (its test images' features are computed once)."""
        if self._evaluator is None:
            from tfgan_suite import evaluation

            self._evaluator = evaluation.make_evaluator(self.config, n=self.n, seed=self.seed,
                                                        spaces=self.spaces)
        return self._evaluator

    def _conditional(self) -> bool:
        from tfgan_suite import evaluation

        return evaluation._is_conditional(self.model)

    # -- sections
    def _run(self) -> str:
        config, loaded = self.config, self.model.loaded_checkpoint
        summary = [("model", config["model"]), ("generator", config["generator"]["name"]),
                   ("discriminator", config["discriminator"]["name"]),
                   ("objective", config["objective"]["name"]),
                   ("data", config["data"]["name"]), ("batch size", config["data"]["batch_size"]),
                   ("steps trained", int(self.model.step_counter.numpy())),
                   ("checkpoint shown", loaded["kind"] + (
                       f" ({loaded['monitor']} = {loaded['value']:.4g} at step "
                       f"{loaded['step']})" if loaded["kind"] == "best" else
                       f" (step {loaded['step']})"))]
        parts = [_table(("field", "value"), summary)]
        sessions = _read_json(os.path.join(self.directory, "provenance.json"), [])
        if sessions:
            parts.append(_table(
                ("session started (UTC)", "from step", "revision", "machine", "precision",
                 "TensorFlow", "Keras"),
                [(s["started"], s["start_step"], s["revision"],
                  f"{s['machine']['cpu']}, {s['machine']['cores']} cores", _precision(s),
                  s["tensorflow"], s["keras"]) for s in sessions]))
        else:
            parts.append(_note("provenance: not recorded (the run predates provenance.json)"))
        with open(os.path.join(self.directory, "config.yaml"), encoding="utf-8") as handle:
            text = handle.read()
        parts.append(f"<details><summary>resolved config</summary><pre>{html.escape(text)}"
                     "</pre></details>")
        return "".join(parts)

    def _training_curves(self) -> str:
        plt = grids.pyplot()

        panels = [("losses and penalties (per epoch)",
                   {t[len("epoch_"):]: v for t, v in self.scalars.items()
                    if t.startswith("epoch_") and "learning_rate" not in t}),
                  ("learning rates", {t: v for t, v in self.scalars.items()
                                      if t.startswith("lr/")}),
                  ("evaluations during training", {t: v for t, v in self.scalars.items()
                                                   if t.startswith("eval/")})]
        panels = [(title, series) for title, series in panels if series]
        if not panels:
            return _note("no TensorBoard scalars in logs/ (the run has not finished an epoch)")
        figure, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.2),
                                    squeeze=False)
        for axis, (title, series) in zip(axes[0], panels, strict=True):
            for tag, points in series.items():
                steps, values = zip(*points, strict=True)
                axis.plot(steps, values, marker="." if len(points) < 30 else None, label=tag)
            axis.set_title(title, fontsize=10)
            axis.set_xlabel("step")
            axis.legend(fontsize=7)
            axis.grid(alpha=0.3)
        return _img(figure_uri(figure), "training curves")

    def _metrics(self) -> str:
        evaluator = self.evaluator
        self.metrics = evaluator.evaluate(self.model)
        floor_note = ""
        if self.toy:
            floor_note = "real-data floor: every mode covered, all points high quality"
        elif self.translates:
            floor_note = ("real-data floor: not defined for translation (the truth pairs "
                          "score L1 0, SSIM 1)")
        else:
            train, labels = self._real_split("train")
            num_classes = (int(self.model.num_classes) if self._conditional()
                           and evaluator.overlap_rule is None
                           and evaluator.label_view == "class" else None)
            groups = ["fd", "kid", "precision_recall", "density_coverage"] + (
                ["conditional"] if num_classes else [])
            self.floor = evaluator.evaluate(TrainImages(train, labels, num_classes), groups)
        stored = (_read_json(os.path.join(self.directory, "metrics.json"), {}) or {}).get(
            "evaluation", {})
        stored_metrics = stored.get("metrics", {})
        names = [k for k, v in self.metrics.items() if isinstance(v, (int, float))]
        rows = [(name, self.metrics[name], self.floor.get(name),
                 stored_metrics.get(name)) for name in names]
        stored_n = stored.get("n_fake", stored.get("n_pairs"))
        stored_head = (f"tfgan eval (n={stored_n}, step {stored.get('step')})"
                       if stored else "tfgan eval (not run)")
        parts = [_table(("metric", f"this checkpoint (n={evaluator.n})",
                         f"real-data floor (n={evaluator.n})", stored_head), rows)]
        if floor_note:
            parts.append(_note(floor_note))
        if self.floor:
            parts.append(_note("floor: real training images scored exactly as the samples are "
                           "(same test images, same feature spaces); FD and KID are biased "
                               "upwards at small n, so compare a run to the floor at the "
                               "same n."))
        return "".join(parts)

    def _samples_over_training(self) -> str:
        paths = sorted(glob.glob(os.path.join(self.directory, "samples", "step_*.png")))
        if not paths:
            return _note("no sample grids in samples/")
        chosen = sorted({paths[int(round(i))] for i in
                         np.linspace(0, len(paths) - 1, min(TIMELINE_FRAMES, len(paths)))})
        return "".join(_img(file_uri(p), os.path.basename(p),
                            f"step {int(os.path.basename(p)[5:12])}") for p in chosen)

    def _grids(self) -> str:
        from tfgan_suite import factory

        model, parts = self.model, []
        if self.toy:
            return _note("toy 2-D data: the samples are the scatter plots above")
        if self.translates:
            a, b = factory.grid_sources(self.config, 64)
            rows = model.translation_rows(a, b)
            parts.append("<p>rows: sources and their translations, each direction (test "
                         "split)</p>" + _img(grid_uri(np.concatenate(rows), len(rows[0])),
                                             "translations"))
            return "".join(parts)
        if self._conditional():
            k = int(model.num_classes)
            labels = np.repeat(np.arange(k), ROW).astype(np.int32)
            parts.append(f"<h4>per class (one row per class 0…{k - 1})</h4>" + _img(
                grid_uri(model.sample(k * ROW, seed=self.seed, labels=labels), ROW),
                "per-class grid"))
        for code in getattr(getattr(model, "codes", None), "codes", ()):
            if code.kind == "categorical":
                values = list(range(code.size))
                what = f"{code.name}: categories 0…{code.size - 1}, one row each"
            elif code.kind == "continuous":
                values = [[float(v)] + [0.0] * (code.size - 1) for v in np.linspace(-1, 1, 7)]
                what = f"{code.name}[0] from −1 to 1 (the other dimensions 0), one row each"
            else:
                continue
            rows = [model.sample(ROW, seed=self.seed, codes={code.name: value})
                    for value in values]
            parts.append(f"<h4>latent code {html.escape(what)}; the same z in each column"
                         "</h4>" + _img(grid_uri(np.concatenate(rows), ROW),
                                        f"code {code.name}"))
        if hasattr(model, "style_mix"):
            mixed = model.style_mix(4, 6, crossover=2, seed=self.seed)
            parts.append("<h4>style mixing: coarse styles (slots before 2) from the rows, "
                         "the rest from the columns</h4>" + _img(
                             grid_uri(mixed.reshape(-1, *mixed.shape[2:]), 6), "style mix"))
            truncations, label = (1.0, 0.7, 0.4, 0.0), "ψ"
        else:
            truncations, label = (None, 1.5, 1.0, 0.5), "t"
        rows = [model.sample(ROW, seed=self.seed, truncation=t) for t in truncations]
        parts.append(f"<h4>truncation, one row each: {label} = " + ", ".join(
            "none" if t is None else f"{t:g}" for t in truncations) + "</h4>" + _img(
                grid_uri(np.concatenate(rows), ROW), "truncation"))
        if hasattr(model, "sample_with_noise"):
            clean, noise, noisy = model.sample_with_noise(ROW, seed=self.seed)
            parts.append("<h4>rows: clean sample, its generated noise, their sum</h4>" + _img(
                grid_uri(np.concatenate([clean, noise, noisy]), ROW), "noise"))
        return "".join(parts)

    def _latent_interpolation(self) -> str:
        if self.toy or self.translates:
            return _note("not applicable: " + ("toy 2-D data" if self.toy else
                                               "a translator has no latent space"))
        model = self.model
        strips = model.interpolate(4, steps=ROW, seed=self.seed)
        parts = ["<h4>slerp in z, one strip per row (codes and classes fixed)</h4>" + _img(
            grid_uri(strips.reshape(-1, *strips.shape[2:]), ROW), "z interpolation")]
        if hasattr(model, "style_mix"):
            strips = model.interpolate(4, steps=ROW, seed=self.seed, along="w")
            parts.append("<h4>lerp in W between the same ends</h4>" + _img(
                grid_uri(strips.reshape(-1, *strips.shape[2:]), ROW), "w interpolation"))
        for code in getattr(getattr(model, "codes", None), "codes", ()):
            if code.kind == "continuous":
                strips = model.interpolate(4, steps=ROW, seed=self.seed, along=code.name)
                parts.append(f"<h4>lerp along code {html.escape(code.name)} (z fixed)</h4>" +
                             _img(grid_uri(strips.reshape(-1, *strips.shape[2:]), ROW),
                                  f"{code.name} interpolation"))
        return "".join(parts)

    def _discriminator_saliency(self) -> str:
        plt = grids.pyplot()

        from tfgan_suite.viz import saliency

        if self.toy or self.translates:
            return _note("not shown: " + ("toy 2-D data" if self.toy else
                                          "translation runs have one discriminator per "
                                          "domain"))
        discriminator = self.model.discriminator
        methods = list(saliency.METHODS)
        if saliency.last_convolution(discriminator) is None:
            methods.remove("gradcam++")
        test, test_labels = self._real_split("test")
        k = SALIENCY_IMAGES
        conditional = self._conditional()
        labels = np.arange(k) % int(self.model.num_classes) if conditional else None
        real = test[:k] if not conditional else np.stack(
            [test[np.flatnonzero(test_labels == c)[0]] for c in labels])
        fake = self.model.sample(k, seed=self.seed, labels=labels)
        takes = tuple(discriminator.inputs[0].shape[1:])
        if takes != fake.shape[1:]:
            return _note(f"not shown: this model's discriminator takes {list(takes)} "
                         f"(levels or scales packed together), not {list(fake.shape[1:])} "
                         "images, so its saliency is not a picture of an image")
        figure, axes = plt.subplots(2 * (1 + len(methods)), k,
                                    figsize=(1.3 * k, 1.3 * 2 * (1 + len(methods))))
        # A class-conditional D (cGAN, projection) takes the labels; AC-GAN's D does not.
        d_labels = labels if len(discriminator.inputs) > 1 else None
        for block, (name, images) in enumerate((("real", real), ("generated", fake))):
            maps = {m: saliency.discriminator_saliency(discriminator, images, labels=d_labels,
                                                       method=m) for m in methods}
            top = block * (1 + len(methods))
            for i in range(k):
                picture = (images[i] + 1.0) / 2.0
                axes[top, i].imshow(picture[..., 0] if picture.shape[-1] == 1 else picture,
                                    cmap="gray", vmin=0, vmax=1)
                for row, method in enumerate(methods, start=1):
                    heat = maps[method][i]
                    axes[top + row, i].imshow(heat / (heat.max() + 1e-12), cmap="inferno",
                                              vmin=0, vmax=1)
            axes[top, 0].set_ylabel(name, fontsize=8)
            for row, method in enumerate(methods, start=1):
                axes[top + row, 0].set_ylabel(method, fontsize=8)
        for axis in axes.ravel():
            axis.set_xticks([])
            axis.set_yticks([])
        return ("<p>where the discriminator's adversarial logit is sensitive, per image "
                "(each map scaled to its own maximum)</p>" +
                _img(figure_uri(figure), "discriminator saliency"))

    def _memorisation(self) -> str:
        from tfgan_suite.metrics import memorisation

        if self.toy or self.translates:
            return _note("not applicable: " + ("toy 2-D data" if self.toy else
                                               "a translator's outputs follow its inputs"))
        evaluator = self.evaluator
        network = evaluator.classifier
        train, _ = self._real_split("train")
        keep = np.random.default_rng(self.seed).permutation(len(train))[:MEMORISATION_TRAIN]
        train = train[np.sort(keep)]
        generated = self.model.sample(evaluator.n, seed=self.seed + 7)
        check = memorisation.memorisation_check(
            network.features(generated), network.features(train),
            network.features(evaluator.real_images))
        self.metrics["memorisation_median_ratio"] = check["median_ratio"]
        self.metrics["memorisation_copy_fraction"] = check["copy_fraction"]
        closest = np.argsort(check["distances"])[:NEAREST_PAIRS]
        pairs = np.concatenate([generated[closest], train[check["nearest"][closest]]])
        table = _table(("", "value"), [
            ("median nearest-train distance, generated", check["generated_median"]),
            ("median nearest-train distance, held-out real", check["test_median"]),
            ("median ratio (≈ 1 generalises, → 0 copies)", check["median_ratio"]),
            (f"copy fraction (below the held-out {check['quantile']:.0%} quantile; "
             f"≈ {check['quantile']:.2f} expected)", check["copy_fraction"])])
        return (f"<p>{evaluator.n} samples and {evaluator.n} held-out test images against "
                f"{len(train)} training images, in the {evaluator.space} classifier's "
                "feature space</p>" + table +
                "<h4>the closest samples (top) and their nearest training images (bottom)"
                "</h4>" + _img(grid_uri(pairs, NEAREST_PAIRS), "nearest pairs"))


# ----------------------------------------------------------------------------- pages
def _comparison(reports: Sequence[RunReport]) -> str:
    plt = grids.pyplot()

    names = sorted(set().union(*(r.metrics for r in reports)),
                   key=lambda k: (not k.startswith("fd_"), k))
    names = [k for k in names if all(isinstance(r.metrics.get(k, 0.0), (int, float))
                                     for r in reports)]
    # One column per run (a row per metric), so many metrics never widen the page.
    rows = [("model", *(r.config["model"] for r in reports)),
            ("steps", *(int(r.model.step_counter.numpy()) for r in reports)),
            ("checkpoint", *(r.model.loaded_checkpoint["kind"] for r in reports))]
    rows += [(k, *(r.metrics.get(k) for r in reports)) for k in names]
    parts = [_table(("run", *(r.name for r in reports)), rows)]
    tags = [t for t in sorted(set().union(*(r.scalars for r in reports)))
            if t.startswith(("epoch_", "eval/")) and "learning_rate" not in t]
    if tags:
        columns = min(3, len(tags))
        lines = -(-len(tags) // columns)
        figure, axes = plt.subplots(lines, columns, figsize=(4.4 * columns, 3.0 * lines),
                                    squeeze=False)
        for axis, tag in zip(axes.ravel()[:len(tags)], tags, strict=True):
            for report in reports:
                if tag in report.scalars:
                    steps, values = zip(*report.scalars[tag], strict=True)
                    axis.plot(steps, values, label=report.name)
            axis.set_title(tag, fontsize=9)
            axis.legend(fontsize=7)
            axis.grid(alpha=0.3)
        for axis in axes.ravel()[len(tags):]:
            axis.set_visible(False)
        parts.append(_img(figure_uri(figure), "overlaid curves"))
    return "".join(parts)


def _anchor(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() else "-" for c in p.lower()) for p in parts)


def render(reports: Sequence[RunReport]) -> str:
    """The HTML page of one run's sections, or of a comparison and each run's sections."""
    from tfgan_suite import provenance

    several = len(reports) > 1
    speech_runs = sum(hasattr(r, "section_names") for r in reports)
    if speech_runs not in (0, len(reports)):
        raise ValueError("--run: a speech conversion run compares only with other speech "
                         "runs")
    title = ("tfgan report: " + ", ".join(r.name for r in reports))
    made = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body, nav = [], []
    if several:
        nav.append(f'<a href="#comparison">{COMPARISON}</a>')
        if speech_runs:
            from tfgan_suite.report import speech

            compared = speech.comparison(reports)
        else:
            compared = _comparison(reports)
        body.append(f'<section id="comparison"><h2>{COMPARISON}</h2>{compared}</section>')
    for report in reports:
        level = "h3" if several else "h2"
        if several:
            nav.append(f'<a href="#{_anchor(report.name)}">{html.escape(report.name)}</a>')
            body.append(f'<h2 id="{_anchor(report.name)}">Run {html.escape(report.name)}</h2>')
        for section in getattr(report, "section_names", SECTIONS):
            anchor = _anchor(report.name, section) if several else _anchor(section)
            if not several:
                nav.append(f'<a href="#{anchor}">{section}</a>')
            body.append(f'<section id="{anchor}"><{level}>{section}</{level}>'
                        f"{report.sections[section]}</section>")
    footer = (f"made {made} by tfgan_suite at revision "
              f"{provenance.git_revision(provenance.package_root())} on "
              f"{provenance.machine_description()}")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><nav>{''.join(nav)}</nav>{''.join(body)}"
            f"<hr>{_note(footer)}</body></html>")


def write_report(runs: Sequence[str], out: str, n: int = 2000, checkpoint: str = "auto",
                 seed: int = 0, spaces: Optional[Sequence[str]] = None) -> str:
    """``tfgan report``: writes the page of ``runs`` (one, or several to compare) to
    ``out`` and returns its path. ``n``: samples (and test images) for the metrics and the
    memorisation check; ``spaces``: image runs' feature spaces (default every space of the
    dataset, ``evaluation.feature_spaces``)."""
    if not runs:
        raise ValueError("--run: give at least one run directory")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"--n: must be an integer >= 2, got {n!r}")
    if not out.endswith((".html", ".htm")):
        raise ValueError(f"--out: expected an .html file, got {out!r}")
    from tfgan_suite import runs as runs_lib
    from tfgan_suite.report import speech

    reports = [speech.SpeechRunReport(run, checkpoint=checkpoint)
               if runs_lib.is_speech_run(run)
               else RunReport(run, n=n, checkpoint=checkpoint, seed=seed, spaces=spaces)
               for run in runs]
    page = render(reports)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(page)
    return out


# ----------------------------------------------------------------------------- browser
#: Headless Chromium's flags on a machine with no display and a closed network.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def chromium() -> Optional[str]:
    """The Chromium executable on PATH (Debian's ``chromium``), None if there is none."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def browse(url: str, *arguments: str, timeout: float = 180.0) -> str:
    """Runs headless Chromium on ``url`` with extra ``arguments`` (e.g. ``--dump-dom``) in a
    fresh profile; returns what it printed on stdout."""
    import subprocess
    import tempfile

    browser = chromium()
    if browser is None:
        raise FileNotFoundError("chromium: not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="tfgan_chromium_") as profile:
        done = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               *arguments, url], capture_output=True, text=True,
                              timeout=timeout)
    return done.stdout


def screenshot(page: str, out: str, width: int = 1200, height: int = 1800) -> str:
    """A PNG of the top ``width`` × ``height`` pixels of HTML file ``page`` in headless
    Chromium (the pictures of reports in the docs)."""
    browse("file://" + os.path.abspath(page), f"--screenshot={os.path.abspath(out)}",
           f"--window-size={width},{height}")
    if not os.path.isfile(out):
        raise RuntimeError(f"chromium wrote no screenshot of {page}")
    return out
