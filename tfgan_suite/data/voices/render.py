"""Speech rendered by Debian's synthesisers: the voices of the corpus and the one way every
utterance is made (speech.md §11.1b, §11.2).

Voices (``VOICE_SETS``):

- ``esp4``: espeak-ng 1.51 formant synthesis, US English with the variants ``m3``, ``m6``
  (male) and ``f2``, ``f5`` (female), which set the pitch range and scale the formants
  (``espeak-ng-data/voices/!v/<variant>``; ``espeak-ng --voices=variant`` lists them). One
  engine, so durations are nearly equal across voices: cheap and controlled.
- ``mix4``: voices made from different recorded speakers — festival 2.5 LPC diphones
  ``kal_diphone`` and ``ked_diphone`` (US male, 16 kHz), flite 2.2's clustergen ``rms`` (US
  male) and festival's HTS ``cmu_us_slt_arctic_hts`` (US female, 32 kHz). Festival's
  ``(voice.list)`` gives ``cmu_us_slt_arctic_hts ked_diphone kal_diphone`` and ``flite -lv``
  ``kal awb_time kal16 awb rms slt`` on Debian 12 (speech.md §11.1b). Debian has no second
  English female recorded voice (flite's ``slt`` is the HTS speaker again), so the set is
  three male voices and one female.

Commands (one process per utterance, output to a temporary WAV file):
``espeak-ng -v en-us+f2 -w out.wav "…"``, ``echo "…" | text2wave -eval "(voice_kal_diphone)"
-o out.wav``, ``flite -voice rms -t "…" -o out.wav``. Before its first use in a process a
voice is looked up in its engine's own list (an unknown espeak-ng variant or flite voice
would otherwise fall back to the default voice without a word).

Processing (``render``), speech.md §11.2: the native output (22.05 kHz espeak-ng, 16 kHz
diphones and flite, 32 kHz HTS) is resampled to 16 kHz (``audio.io.resample``,
``scipy.signal.resample_poly`` with the reduced ratio), its leading and trailing silence
trimmed at 30 dB below the loudest 20 ms frame with 50 ms pads kept, its RMS set to -23
dBFS (less where that would lift a sample above 0.99: ``audio.io.rms_normalise``), and an
utterance shorter than 1.0 s is rejected (models crop ≥ 128 frames of 5 ms).

Determinism: all three engines are bit-deterministic here — rendering one text twice gives
byte-identical files for every voice of both sets (checked on Debian 12 with espeak-ng
1.51+dfsg-10+deb12u2, festival 1:2.5.0-9, flite 2.2-5), and the processing is pure numpy, so
the same text gives identical samples.

``engine_version(voice)`` (the engine's ``--version`` line and the Debian versions of the
voice's packages) and ``RENDERER_VERSION`` (bumped when the processing changes) go into the
corpus cache key, so a new synthesiser or a new recipe renders the corpus again.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

from tfgan_suite.audio import io as audio_io

#: Bumped whenever ``render``'s processing changes: every cached utterance is rendered again.
RENDERER_VERSION = 1
TOP_DB = 30.0
PAD_SECONDS = 0.05
TARGET_DBFS = -23.0
MIN_SECONDS = 1.0
#: Debian packages of the whole corpus (synthesisers, voices, word lists), listed in
#: ``voice_packages.txt`` beside this package, which ``make voices`` also reads.
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "voice_packages.txt"), encoding="utf-8") as _listing:
    PACKAGES = tuple(line.strip() for line in _listing
                     if line.strip() and not line.startswith("#"))
HOW_TO_GET = "apt-get install " + " ".join(PACKAGES)

#: engine → (the binary that renders, the binary whose ``--version`` names the engine,
#: its Debian package).
_ENGINES = {"espeak-ng": ("espeak-ng", "espeak-ng", "espeak-ng"),
            "festival": ("text2wave", "festival", "festival"),
            "flite": ("flite", "flite", "flite")}
#: Festival voices ship in their own packages (flite's and espeak-ng's are built in).
_FESTIVAL_VOICE_PACKAGES = {"kal_diphone": "festvox-kallpc16k",
                            "ked_diphone": "festvox-kdlpc16k",
                            "cmu_us_slt_arctic_hts": "festvox-us-slt-hts"}
ENGINES = tuple(_ENGINES)
GENDERS = ("male", "female")


@dataclasses.dataclass(frozen=True)
class Voice:
    """One synthetic speaker: ``name`` (unique in its set, e.g. ``"f2"``), ``engine``
    (``"espeak-ng"``, ``"festival"`` or ``"flite"``), ``argument`` (the engine's voice:
    ``"en-us+f2"``, ``"kal_diphone"``, ``"rms"``) and ``gender`` (``"male"``/``"female"``)."""

    name: str
    engine: str
    argument: str
    gender: str

    def __post_init__(self):
        if self.engine not in _ENGINES:
            raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, "
                             f"got {self.engine!r}")
        if self.gender not in GENDERS:
            raise ValueError(f"gender: expected one of {', '.join(GENDERS)}, "
                             f"got {self.gender!r}")

    @property
    def packages(self) -> tuple[str, ...]:
        """The Debian packages this voice needs."""
        voice_package = _FESTIVAL_VOICE_PACKAGES.get(self.argument) \
            if self.engine == "festival" else None
        return (_ENGINES[self.engine][2],) + ((voice_package,) if voice_package else ())

    def describe(self) -> str:
        """``"voice 'f2' (espeak-ng en-us+f2)"``: how errors name the voice."""
        return f"voice {self.name!r} ({self.engine} {self.argument})"


VOICE_SETS = {
    "esp4": (Voice("m3", "espeak-ng", "en-us+m3", "male"),
             Voice("m6", "espeak-ng", "en-us+m6", "male"),
             Voice("f2", "espeak-ng", "en-us+f2", "female"),
             Voice("f5", "espeak-ng", "en-us+f5", "female")),
    "mix4": (Voice("kal", "festival", "kal_diphone", "male"),
             Voice("ked", "festival", "ked_diphone", "male"),
             Voice("rms", "flite", "rms", "male"),
             Voice("slt", "festival", "cmu_us_slt_arctic_hts", "female")),
}


def _not_installed(voice: Voice, what: str):
    from tfgan_suite.data.sources import DatasetNotFoundError

    return DatasetNotFoundError(f"{voice.describe()}: {what}; install it (as root) with: "
                                f"apt-get install {' '.join(voice.packages)}")


def _run(command: list[str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)


@functools.cache
def _voices_of(engine: str, binary: str) -> frozenset:
    """The voices an engine's binary (a resolved path) offers, by its own listing."""
    if engine == "espeak-ng":
        listing = _run([binary, "--voices=variant"]).stdout
        return frozenset(re.findall(r"!v/(\S+)", listing))
    if engine == "flite":
        listing = _run([binary, "-lv"]).stdout
        return frozenset(listing.split(":", 1)[-1].split())
    festival = os.path.join(os.path.dirname(binary), "festival")
    listing = _run([festival, "-b", "(print (voice.list))"]).stdout
    return frozenset(re.findall(r"[\w-]+", listing))


@functools.cache
def _identity(engine: str, binary: str, packages: tuple[str, ...]) -> str:
    versioned = os.path.join(os.path.dirname(binary), _ENGINES[engine][1])
    output = _run([versioned, "--version"])
    lines = [line.strip() for line in (output.stdout + output.stderr).splitlines()
             if line.strip()]
    version = next((line for line in lines if re.search(r"\d+\.\d+", line)), "")
    if shutil.which("dpkg-query"):
        for package in packages:
            found = _run(["dpkg-query", "-W", "-f=${Version}", package])
            version += f"; {package} {found.stdout.strip() if found.returncode == 0 else '?'}"
    return version


def _binary(voice: Voice) -> str:
    """The engine's binary of ``voice``, after checking it offers the voice."""
    name = _ENGINES[voice.engine][0]
    binary = shutil.which(name)
    if binary is None:
        raise _not_installed(voice, f"{name} not found")
    variant = voice.argument.split("+")[-1] if voice.engine == "espeak-ng" else voice.argument
    if variant not in _voices_of(voice.engine, binary):
        raise _not_installed(voice, f"{voice.engine} has no voice {variant!r}")
    return binary


def engine_version(voice: Voice) -> str:
    """The engine's version line and the Debian versions of the voice's packages, e.g.
    ``"eSpeak NG text-to-speech: 1.51 …; espeak-ng 1.51+dfsg-10+deb12u2"``.

    Raises:
        DatasetNotFoundError: the engine or the voice is not installed (the message gives
            the apt line).
    """
    binary = _binary(voice)
    return _identity(voice.engine, binary, voice.packages)


def _command(voice: Voice, binary: str, text: str, target: str) -> tuple[list[str], str]:
    if voice.engine == "espeak-ng":
        return [binary, "-v", voice.argument, "-w", target, text], ""
    if voice.engine == "festival":
        return [binary, "-eval", f"(voice_{voice.argument})", "-o", target], text
    return [binary, "-voice", voice.argument, "-t", text, "-o", target], ""


def synthesise(voice: Voice, text: str) -> tuple[np.ndarray, int]:
    """The engine's own output for ``text``: (float64 mono wave, its sample rate).

    Raises:
        DatasetNotFoundError: the engine or the voice is not installed.
        RuntimeError: the engine failed (its last line of output is quoted).
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text: expected a non-empty string, got {text!r}")
    binary = _binary(voice)
    with tempfile.TemporaryDirectory(prefix="tfgan_voice_") as scratch:
        target = os.path.join(scratch, "out.wav")
        command, stdin = _command(voice, binary, text, target)
        finished = _run(command, stdin)
        if finished.returncode != 0 or not os.path.isfile(target) \
                or os.path.getsize(target) <= 44:
            said = (finished.stderr + finished.stdout).strip().splitlines()
            raise RuntimeError(f"{voice.describe()}: {os.path.basename(binary)} made no audio "
                               f"for {text!r} (exit {finished.returncode}"
                               f"{': ' + said[-1] if said else ''})")
        import soundfile

        rate = soundfile.info(target).samplerate
        return audio_io.read_wav(target, sample_rate=rate), rate


def render(voice: Voice, text: str) -> np.ndarray:
    """``text`` spoken by ``voice``: float64 mono at 16 kHz, trimmed, RMS-normalised
    (the processing of the module docstring).

    Raises:
        ValueError: the utterance is shorter than ``MIN_SECONDS`` after trimming.
        DatasetNotFoundError: the engine or the voice is not installed.
    """
    wave, rate = synthesise(voice, text)
    if rate != audio_io.SAMPLE_RATE:
        wave = audio_io.resample(wave, rate, audio_io.SAMPLE_RATE)
    wave = audio_io.trim_silence(wave, audio_io.SAMPLE_RATE, top_db=TOP_DB,
                                 pad_seconds=PAD_SECONDS)
    wave = audio_io.rms_normalise(wave, target_dbfs=TARGET_DBFS)
    return audio_io.check_speech(wave, audio_io.SAMPLE_RATE,
                                 name=f"{voice.describe()} saying {text!r}",
                                 min_seconds=MIN_SECONDS)


__all__ = [
    "ENGINES",
    "GENDERS",
    "HOW_TO_GET",
    "MIN_SECONDS",
    "PACKAGES",
    "PAD_SECONDS",
    "RENDERER_VERSION",
    "TARGET_DBFS",
    "TOP_DB",
    "VOICE_SETS",
    "Voice",
    "engine_version",
    "render",
    "synthesise",
]
