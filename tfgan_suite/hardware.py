"""What the host computes fast: CPU feature flags, bf16-capable accelerators and oneDNN.

``precision: auto`` and the ``tfgan`` command's oneDNN default are decided here, from
facts a test can fake (a CPU flag list, a list of accelerators), never from timing.

Why it matters (issue #46, the keras-io WGAN-GP on our fast path, 5 steps, whole
process): on an Intel Xeon with AMX, bf16 matmuls ran at 1,397 GFLOP/s against 318 in
fp32 and bf16 mixed precision made the step 2.51× faster than keras-io's; on an
AVX2-only AMD EPYC (no AVX-512, no AMX) bf16 is emulated, and the same recipe in
mixed_bfloat16 took over 9 minutes against 196 s in float32 (167 s with oneDNN on), both
against ≈ 7 min for keras-io's fp32 step. So bf16 is chosen only where the hardware runs
it natively, and float32 everywhere else.
"""

from __future__ import annotations

import os
from typing import Iterable, Mapping, Optional, Sequence

#: CPU flags (as /proc/cpuinfo spells them) of native bf16 arithmetic: AMX tiles or
#: AVX512_BF16 dot products. Without one of them TensorFlow converts bf16 to fp32 and
#: back around every op, which is slower than fp32 alone.
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")
#: The flags TensorFlow's ``DefaultOneDnnPolicy`` (tensorflow/core/util/port.cc) tests on
#: Linux x86: oneDNN is on by default only on CPUs with one of them.
TF_ONEDNN_DEFAULT_FLAGS = ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8",
                           "amx_bf16")
#: GPUs from compute capability 8.0 (Ampere) on have bf16 tensor cores.
GPU_BF16_COMPUTE_CAPABILITY = (8, 0)
ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags (the first ``flags`` line of /proc/cpuinfo; empty elsewhere)."""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def _flags(flags: Optional[Iterable[str]]) -> frozenset[str]:
    return cpu_flags() if flags is None else frozenset(flags)


def cpu_has_native_bf16(flags: Optional[Iterable[str]] = None) -> bool:
    """True when the CPU has AMX-BF16 or AVX512_BF16 (``flags``: /proc/cpuinfo's by default)."""
    return any(flag in _flags(flags) for flag in CPU_BF16_FLAGS)


def host_kind(flags: Optional[Iterable[str]] = None) -> str:
    """A label for the CPU's widest matrix arithmetic: ``amx``, ``avx512_bf16``,
    ``avx512`` (AVX-512 without bf16), ``avx2`` or ``other``."""
    flags = _flags(flags)
    if "amx_bf16" in flags:
        return "amx"
    if "avx512_bf16" in flags:
        return "avx512_bf16"
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    return "other"


def tensorflow_onednn_default(flags: Optional[Iterable[str]] = None) -> bool:
    """Whether TensorFlow (Linux x86 wheel) turns oneDNN on by itself on this CPU."""
    return any(flag in _flags(flags) for flag in TF_ONEDNN_DEFAULT_FLAGS)


def onednn_worth_enabling(flags: Optional[Iterable[str]] = None,
                          environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether the ``tfgan`` command should set TF_ENABLE_ONEDNN_OPTS=1: the CPU has AVX2,
    TensorFlow would leave oneDNN off (no VNNI / AVX512_BF16 / AMX) and the user has not
    set the variable either way. On an AVX2-only AMD EPYC oneDNN took a 5-step fast-recipe
    run from 196 s to 167 s (issue #46); docs/results/train_speed.md measures it again."""
    flags = _flags(flags)
    environ = os.environ if environ is None else environ
    return (ONEDNN_ENV not in environ and "avx2" in flags
            and not tensorflow_onednn_default(flags))


def onednn_enabled() -> bool:
    """Whether this process's TensorFlow runs oneDNN kernels (imports TensorFlow)."""
    from tensorflow.python.util import _pywrap_util_port

    return bool(_pywrap_util_port.IsMklEnabled())


def bf16_accelerators() -> list[str]:
    """Names of the visible TPUs and GPUs of compute capability ≥ 8.0 (imports TensorFlow)."""
    import tensorflow as tf

    found = [device.name for device in tf.config.list_logical_devices("TPU")]
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability is not None and tuple(capability) >= GPU_BF16_COMPUTE_CAPABILITY:
            found.append(gpu.name)
    return found


def precision_choice(flags: Optional[Iterable[str]] = None,
                     accelerators: Optional[Sequence[str]] = None) -> tuple[str, str]:
    """``precision: auto`` as (Keras dtype policy, one-line reason).

    Args:
        flags: CPU feature flags; None reads /proc/cpuinfo.
        accelerators: bf16-capable TPUs / GPUs; None asks TensorFlow.
    """
    flags = _flags(flags)
    accelerators = bf16_accelerators() if accelerators is None else list(accelerators)
    if accelerators:
        return "mixed_bfloat16", f"{accelerators[0]} runs bf16 natively"
    native = sorted(flag for flag in CPU_BF16_FLAGS if flag in flags)
    if native:
        return "mixed_bfloat16", f"CPU has {', '.join(flag.upper() for flag in native)}"
    return "float32", "CPU has no AMX / AVX512_BF16 and no bf16 GPU or TPU is visible"


def resolve_precision(name: str, flags: Optional[Iterable[str]] = None,
                      accelerators: Optional[Sequence[str]] = None) -> str:
    """The Keras dtype policy for the config's ``precision``: ``auto`` becomes
    ``mixed_bfloat16`` on bf16 hardware and ``float32`` elsewhere; other names pass through."""
    if name != "auto":
        return name
    return precision_choice(flags, accelerators)[0]


def host_features(flags: Optional[Iterable[str]] = None) -> dict:
    """The facts a speed benchmark should print beside its numbers (imports TensorFlow)."""
    flags = _flags(flags)
    return {"kind": host_kind(flags), "avx2": "avx2" in flags, "avx512": "avx512f" in flags,
            "avx512_vnni": "avx512_vnni" in flags, "avx512_bf16": "avx512_bf16" in flags,
            "amx": "amx_bf16" in flags, "onednn": onednn_enabled(),
            "onednn_default": tensorflow_onednn_default(flags),
            "TF_ENABLE_ONEDNN_OPTS": os.environ.get(ONEDNN_ENV),
            "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA")}
