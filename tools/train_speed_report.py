"""docs/results/train_speed.md / .json: one section per kind of host (tools/bench_train.py).

Rendering only (no measuring): ``load_results`` reads the json (a file from before
per-host sections becomes the AMX host's section), ``write`` renders every section.
"""

from __future__ import annotations

import json
import os

from tfgan_suite import provenance

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "docs", "results", "train_speed")
FAST_RECIPE = "kerasio_wgan_gp_fast_fashion_mnist.yaml"
KIND_NAMES = {"amx": "AMX host", "avx512_bf16": "AVX512_BF16 host (no AMX)",
              "avx512": "AVX-512 host without bf16 (no AVX512_BF16, no AMX)",
              "avx2": "AVX2-only host", "other": "host without AVX2"}
#: The AMX host's section, measured at 8e83656 before results had one section per host.
LEGACY_AMX_HOST = {
    "key": "amx", "kind": "amx",
    "title": "AMX host (Intel Xeon with AMX; measured at 8e83656 on an earlier VM, not "
             "re-measured since)",
    "features": "AMX (bf16 matmul at 1,397 GFLOP/s); oneDNN on (TensorFlow's default there); "
                "the other CPU flags were not recorded"}
LEGACY_AMX_NOTES = [
    "Where the time goes (bf16, batch 512, `ONEDNN_VERBOSE` timings of one GP step): the "
    "critic's last convolution (4×4×256 → 2×2×512, 5×5 kernel) took 70 % of it in "
    "oneDNN's AMX kernels at ≈ 45 GFLOP/s; as one matmul over its patches "
    "(`PatchConv2D`, same weights) a GP step fell from 2.29 s to 1.30 s (fp32: 3.17 s → "
    "2.40 s). XLA is no help on this CPU: an XLA-compiled critic forward pass took 37 s "
    "against 0.8 s."]


def quality_lines(quality: dict | None) -> list[str]:
    if not quality:
        return ["Not measured yet: FD_fmnist of the two paths after the same number of steps.",
                ""]
    q, s = quality, quality["summary"]
    lines = [f"## Quality after the same number of steps ({q['steps']} generator steps, "
             f"{q['seeds']} seeds)", "",
             f"Each seed trains both paths from scratch for {q['steps']} generator steps "
             f"(× 3 critic updates, batch {q.get('batch', 512)}), then samples "
             f"{q['n_eval']:,} images from the "
             "same z; FD / KID against the test split in the domain classifier's feature space "
             "(docs/results/metrics_floor.md: the real-data floor is FD 0.18). The naive path "
             "keeps keras-io's N(0, 1) interpolation weight; ours draws U(0, 1) as in the paper.",
             ""]
    if "command" in q:
        lines += [f"Command: `{q['command']}` at {q['git_revision']} (wall clock "
                  f"{q['wall_clock_seconds'] / 60:.0f} min).", ""]
    lines += ["| path | seed | FD_fmnist | KID_fmnist | training wall s |",
              "|---|---|---|---|---|"]
    for run in q["runs"]:
        lines.append(f"| {run['path']} | {run['seed']} | {run['fd_fmnist']:.2f} | "
                     f"{run['kid_fmnist']:.3f} | {run['train_seconds']:.0f} |")
    verdict = "no worse" if q["fast_no_worse"] else "**worse**"
    lines += ["", f"Mean FD: naive {s['naive']['fd_mean']:.2f} ± {s['naive']['fd_se']:.2f}, "
              f"ours {s['fast']['fd_mean']:.2f} ± {s['fast']['fd_se']:.2f} (± standard error "
              f"over seeds): ours is {verdict} than the naive step within seed noise (2 combined "
              f"standard errors = {q['two_se']:.2f}).", ""]
    return lines


def host_section_key(features: dict) -> str:
    """``avx512``, ``amx``, ... ; ``avx2_emulated_on_avx512`` under ONEDNN_MAX_CPU_ISA=AVX2;
    ``_onednn_off`` when TensorFlow's oneDNN kernels are off."""
    key = features["kind"]
    if features["ONEDNN_MAX_CPU_ISA"]:
        key = f"{features['ONEDNN_MAX_CPU_ISA'].lower()}_emulated_on_{key}"
    return key if features["onednn"] else key + "_onednn_off"


def host_section_title(features: dict) -> str:
    onednn = "oneDNN on" if features["onednn"] else "oneDNN off (TensorFlow's Eigen kernels)"
    cpu = provenance.cpu_model()
    if features["ONEDNN_MAX_CPU_ISA"]:
        return (f"{features['ONEDNN_MAX_CPU_ISA']} host, emulated on this {cpu} "
                f"({KIND_NAMES[features['kind']]}) with ONEDNN_MAX_CPU_ISA="
                f"{features['ONEDNN_MAX_CPU_ISA']}, {onednn} — an emulation, not a real "
                f"{features['ONEDNN_MAX_CPU_ISA']}-only machine")
    if not features["onednn"] and features["onednn_default"]:
        onednn += " (TF_ENABLE_ONEDNN_OPTS=0; TensorFlow turns it on by default here)"
    return f"{KIND_NAMES[features['kind']]} ({cpu}), {onednn}"


def features_line(features: dict) -> str:
    names = [("avx2", "AVX2"), ("avx512", "AVX-512F"), ("avx512_vnni", "AVX512_VNNI"),
             ("avx512_bf16", "AVX512_BF16"), ("amx", "AMX")]
    has = [label for key, label in names if features[key]]
    lacks = [label for key, label in names if not features[key]]
    return (f"CPU flags: {', '.join(has) or 'none of ours'}"
            + (f"; no {', no '.join(lacks)}" if lacks else "")
            + f"; oneDNN {'on' if features['onednn'] else 'off'} (TensorFlow's default here: "
              f"{'on' if features['onednn_default'] else 'off'}); ONEDNN_MAX_CPU_ISA="
              f"{features['ONEDNN_MAX_CPU_ISA'] or 'unset'}")


def load_results(path: str = RESULTS + ".json") -> dict:
    """``{"hosts": {key: section}}``; a file from before per-host sections is the AMX host's."""
    if not os.path.isfile(path):
        return {"hosts": {}}
    with open(path, encoding="utf-8") as handle:
        saved = json.load(handle)
    if "hosts" in saved:
        return saved
    return {"hosts": {"amx": saved | {"host": LEGACY_AMX_HOST, "notes": LEGACY_AMX_NOTES}}}


def keras_io_lines(section: dict) -> list[str]:
    r, peaks = section["keras_io_wgan_gp"], section["matmul_peak_gflops"]
    lines = ["### keras-io WGAN-GP networks, batch 512, 3 critic updates per generator update",
             "", "| path | s / step | images / s | ≈ GFLOP/s | of measured peak | speed-up |",
             "|---|---|---|---|---|---|",
             f"| naive (keras-io `train_step`, fp32, no XLA, 3 critic calls) | "
             f"{r['naive_seconds_per_step']:.3f} | {r['naive_images_per_second']:.1f} | "
             f"{r['naive_gflops']:.0f} | {r['naive_gflops'] / peaks['float32']:.0%} fp32 | "
             "1.00× |"]
    variants = r.get("fast_variants") or [  # the AMX section predates variants
        {"precision": "mixed_bfloat16", "settings": r["fast_settings"],
         "seconds_per_step": r["fast_seconds_per_step"],
         "images_per_second": r["fast_images_per_second"], "gflops": r["fast_gflops"],
         "peak_fraction": r["fast_gflops"] / peaks["bfloat16"], "speedup": r["speedup"]}]
    for variant in variants:
        picked = " — `precision: auto` picks this" if r.get(
            "auto_precision") == variant["precision"] else ""
        worst = (f" (worst round {variant['min_round_speedup']:.2f}×)"
                 if "min_round_speedup" in variant else "")
        lines.append(f"| ours ({variant['settings']}){picked} | "
                     f"{variant['seconds_per_step']:.3f} | {variant['images_per_second']:.1f} | "
                     f"{variant['gflops']:.0f} | {variant['peak_fraction']:.0%} "
                     f"{'bf16' if 'bfloat16' in variant['precision'] else 'fp32'} | "
                     f"**{variant['speedup']:.2f}×**{worst} |")
    return lines + ["", f"GFLOP/s use an analytical estimate of {r['step_gflop']:.1f} GFLOP per "
                    "step (backward ≈ 2× forward, the GP's gradient of a gradient ≈ 4× a critic "
                    "forward); the fraction is of this run's measured matmul peak in the "
                    "variant's precision.", ""]


def process_lines(rows: list[dict] | None) -> list[str]:
    if not rows:
        return []
    lines = [f"### Whole process, {rows[0]['steps']} steps (start-up included)", "",
             "What a user waits for: interpreter and TensorFlow start-up, data, tracing, "
             "training and (tfgan train) checkpoint, sample grid and saved generator; one "
             "process each, run one after the other.", "",
             "| path | command | wall s |", "|---|---|---|"]
    lines += [f"| {row['path']} | `{row['command']}` | {row['seconds']:.0f}"
              + (f" (**{row['failed']}**)" if "failed" in row else "") + " |" for row in rows]
    return lines + [f"\nRatio naive / ours: {rows[0]['seconds'] / rows[1]['seconds']:.2f}×.", ""]


def recipe_lines(recipes: list[dict]) -> list[str]:
    if not recipes:
        return ["### Every recipe", "", "Not measured on this host (`--recipes` matched none).",
                ""]
    lines = ["### Every recipe (its own config, fast settings as written in the recipe)", "",
             "| recipe | batch | n_critic | precision | XLA | steps / s | images / s | "
             "vs its naive recipe |", "|---|---|---|---|---|---|---|---|"]
    speed = {row["recipe"]: row.get("steps_per_second") for row in recipes}
    for row in recipes:
        if "error" in row:
            lines.append(f"| {row['recipe']} | | | | | not measured: {row['error']} | | |")
            continue
        naive = speed.get(row["recipe"].replace("_fast", "")) if "_fast" in row[
            "recipe"] else None
        versus = f"{row['steps_per_second'] / naive:.2f}×" if naive else ""
        precision = row["precision"]
        if row.get("resolved_precision", precision) != precision:
            precision += f" → {row['resolved_precision']}"
        lines.append(f"| {row['recipe']} | {row['batch_size']} | {row['n_critic']} | "
                     f"{precision} | {row['xla']} | {row['steps_per_second']:.2f} | "
                     f"{row['images_per_second']:.0f} | {versus} |")
    return lines + [""]


def section_lines(section: dict) -> list[str]:
    meta, host, peaks = section["meta"], section["host"], section["matmul_peak_gflops"]
    features = host["features"] if isinstance(host["features"], str) else features_line(
        host["features"])
    lines = [f"## {host['title']}", "",
             f"- {features}",
             f"- command: `{meta['command']}`",
             f"- git revision: {meta['git_revision']}; date: {meta['date']}; wall clock "
             f"{meta['wall_clock_seconds'] / 60:.0f} min",
             f"- machine: {meta['machine']}; TensorFlow {meta['tensorflow']}, Keras "
             f"{meta['keras']}; load average at start {meta['load_average_at_start']} (other "
             "jobs shared the machine when it is above 2; the alternating rounds expose both "
             "paths to it alike)",
             f"- measured matmul peak (2048², this run): fp32 {peaks['float32']:.0f} GFLOP/s, "
             + (f"bf16 {peaks['bfloat16']:.0f} GFLOP/s" if peaks["bfloat16"] else
                "bf16 not measured (oneDNN capped below AVX-512 has no bf16 matmul: "
                "the process aborts)"),
             f"- {meta['rounds']} timed rounds of {meta['steps']} steps per path after a "
             "warm-up round, alternating naive / fast; median seconds per step (first "
             "execution of each round dropped).", ""]
    lines += keras_io_lines(section)
    for note in section.get("notes", []):
        lines += [note, ""]
    lines += process_lines(section.get("processes"))
    if section.get("quality"):
        lines += [line.replace("## ", "### ", 1) if line.startswith("## ") else line
                  for line in quality_lines(section["quality"])]
    else:
        lines += ["Quality after the same number of steps: not measured on this host "
                  "(`--quality-steps 0`); the AMX host's section compares FD_fmnist.", ""]
    return lines + recipe_lines(section["recipes"])


def summary_lines(hosts: dict) -> list[str]:
    lines = ["| host | `precision: auto` | keras-io step, s | ours, s (auto) | ours / "
             "keras-io (same run) | of measured peak | fast recipe / naive recipe |",
             "|---|---|---|---|---|---|---|"]
    verdicts = []
    for key, section in hosts.items():
        r = section["keras_io_wgan_gp"]
        variants = r.get("fast_variants")
        auto = r.get("auto_precision", "mixed_bfloat16")
        chosen = next((v for v in variants if v["precision"] == auto), variants[0]) \
            if variants else {"seconds_per_step": r["fast_seconds_per_step"],
                              "speedup": r["speedup"],
                              "peak_fraction": r["fast_gflops"]
                              / section["matmul_peak_gflops"]["bfloat16"]}
        speed = {row["recipe"]: row.get("steps_per_second") for row in section["recipes"]}
        fast, naive = speed.get(FAST_RECIPE), speed.get(FAST_RECIPE.replace("_fast", ""))
        pair = f"{fast / naive:.2f}×" if fast and naive else "not measured"
        lines.append(f"| {key} | {auto} | {r['naive_seconds_per_step']:.2f} | "
                     f"{chosen['seconds_per_step']:.2f} | **{chosen['speedup']:.2f}×** | "
                     f"{chosen['peak_fraction']:.0%} | {pair} |")
        verdict = f"{'met' if chosen['speedup'] >= 2 else 'not met'} on {key}"
        if chosen["speedup"] < 2:
            # The same arithmetic at twice the naive step's FLOP rate: possible only below
            # the measured peak of the precision auto picks.
            kind = "bfloat16" if "bfloat16" in auto else "float32"
            needed = 2 * r["naive_gflops"] / section["matmul_peak_gflops"][kind]
            verdict += (f" (2× would need our step at {needed:.0%} of the measured {kind} "
                        "matmul peak)")
        verdicts.append(verdict)
    return lines + ["", "Issue #46's bar, ours ≥ 2× the keras-io step in the same run: "
                    + "; ".join(verdicts) + ".", ""]


def onednn_lines(onednn: dict | None) -> list[str]:
    """The oneDNN on / off probe (one process per setting) and the decision it supports."""
    if not onednn:
        return []
    lines = ["## oneDNN where TensorFlow leaves it off", "", onednn["summary"], ""]
    for probe in [onednn, *reversed(onednn.get("earlier", []))]:
        lines += [f"{'Earlier probe' if probe is not onednn else 'Probe'}: "
                  f"`{probe['command']}` at {probe['git_revision']}, {probe['date']}.", "",
                  "| setting | oneDNN | fp32 matmul peak, GFLOP/s | ours (float32), s / step "
                  "| keras-io step, s / step | load average at start |",
                  "|---|---|---|---|---|---|"]
        for row in probe["processes"]:
            lines.append(f"| {row['setting']} | {'on' if row['onednn'] else 'off'} | "
                         f"{row['fp32_peak']:.0f} | {row['fast_f32']:.2f} | "
                         f"{row['naive']:.2f} | {row['load'][0]:.1f} |")
        lines.append("")
    return lines


def write(results: dict) -> None:
    """train_speed.json and .md from every host's section (AMX first, then by key)."""
    hosts = dict(sorted(results["hosts"].items(), key=lambda item: (item[0] != "amx", item[0])))
    onednn = results.get("onednn")
    with open(RESULTS + ".json", "w", encoding="utf-8") as handle:
        json.dump({"hosts": hosts} | ({"onednn": onednn} if onednn else {}), handle, indent=2,
                  default=float)
    lines = ["# Training speed", "",
             "One section per kind of host (`tfgan_suite.hardware.host_kind`): a run of "
             "`tools/bench_train.py` replaces only its own host's section. `precision: auto` "
             "resolves to mixed_bfloat16 only where the CPU has AMX or AVX512_BF16 (or a bf16 "
             "GPU / TPU is visible); emulated bf16 is slower than float32.", "",
             *summary_lines(hosts)]
    lines += onednn_lines(onednn)
    for section in hosts.values():
        lines += section_lines(section)
    with open(RESULTS + ".md", "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines).rstrip("\n") + "\n")
