"""``glyphs``: the 62 characters A–Z, a–z, 0–9 rendered from Debian's font packages, 64×64
grayscale, with known factors — the character, the font family, its weight and whether it
is italic — and train / test split **by design group**, so the test fonts are designs the
training split never showed.

Fonts: every ``.ttf`` / ``.otf`` file of the packages in ``PACKAGES`` (``make data``
installs them as root; ``dpkg-query -L`` lists their files), read with fontTools for their
names, weight class, italic flags and character map. A font is kept if its character map
has all 62 characters and its family is not a symbol, dingbat, keyboard, math, small-caps or
titling face (``EXCLUDED_FAMILIES`` — their "letters" are not the letters); the same
(family, style) from two packages is kept once (first path in sorted order).

Factors:
- ``char``: index in ``CHARACTERS`` (A–Z, a–z, 0–9; 62 classes) — the dataset's label;
- ``family``: index into ``families`` (OpenType name 16, typographic family, else name 1);
- ``weight``: index into ``WEIGHTS`` from the OS/2 weight class (< 350 light, < 450
  regular, < 600 medium, < 750 bold, else black);
- ``italic``: OS/2 fsSelection italic or oblique bit, or a non-zero post.italicAngle;
- ``style``: index into ``styles`` (one per font file kept).

Split: a family's **design group** is its name without a foundry prefix (``TeX Gyre``,
``URW``, ``Linux``) cut to the first word (so ``Accanthis ADF Std No2`` goes with
``Accanthis ADF Std``, ``TeX Gyre Heros Cn`` with ``TeX Gyre Heros``); a group is in the
test split when the first 8 hex digits of its SHA-1 are 0 mod 5 (≈ 20 % of the groups).
Metric-compatible clones of one design under different names (Liberation Sans, Arimo,
Nimbus Sans, TeX Gyre Heros are all Helvetica/Arial metrics) are different groups and can
fall on both sides: the split is by family, not by look.

Rendering (the centring rule): per font, at a 256 px reference size, the ink boxes of all
62 characters relative to the baseline give the font's union box (highest top, lowest
bottom) and its widest character; the font is scaled so that the union height and the
widest character both fit in ``FILL`` (7/8) of the side. Each character is then drawn at
4× the output side with its baseline where the union box is centred vertically (so
lower-case letters sit low and are smaller than capitals, as in text: ``o`` and ``O``,
``x`` and ``X`` stay distinguishable) and its own ink box centred horizontally, and
reduced to the output side by box filtering (antialiased). Ink is white on black, like
Fashion-MNIST.

Cache: ``$TFGAN_CACHE_DIR`` or ``~/.cache/tfgan_suite``, ``glyphs/glyphs_<size>px_<key>.npz``
(compressed), the key a hash of the renderer version, the side and every font file's
SHA-256; the arrays and the font hashes are stored together.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import subprocess
from typing import Optional, Sequence

import numpy as np

from tfgan_suite import cache

CHARACTERS = ("ABCDEFGHIJKLMNOPQRSTUVWXYZ" "abcdefghijklmnopqrstuvwxyz" "0123456789")
WEIGHTS = ("light", "regular", "medium", "bold", "black")
_WEIGHT_LIMITS = (350, 450, 600, 750)
#: Debian packages the dataset is rendered from (pinned: the dataset changes with them),
#: listed in ``glyph_packages.txt`` beside this file, which ``make data`` also reads.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "glyph_packages.txt"),
          encoding="utf-8") as _listing:
    PACKAGES = tuple(line.strip() for line in _listing
                     if line.strip() and not line.startswith("#"))
#: Substrings of family names whose glyphs are not the letters they are mapped to.
EXCLUDED_FAMILIES = ("Symbol", "D050000L", "Keyboard", "Initials", "Math", "Smallcaps",
                     "Titling")
_FOUNDRY_PREFIXES = ("TeX Gyre ", "URW ", "Linux ")
HOW_TO_GET = "apt-get install " + " ".join(PACKAGES)
SIDE = 64
FILL = 7 / 8
_REFERENCE_SIZE = 256
_OVERSAMPLE = 4
_RENDERER_VERSION = 1
_TEST_MODULUS = 5


@dataclasses.dataclass(frozen=True)
class Font:
    """One font file and its factors."""

    path: str
    family: str
    style: str
    weight: str
    italic: bool

    @property
    def group(self) -> str:
        return design_group(self.family)


@dataclasses.dataclass(frozen=True)
class GlyphSet:
    """Rendered glyphs of one split: ``images`` uint8 [N, side, side] (ink 255) and the
    factors of each image as int arrays [N] indexing ``CHARACTERS``, ``families``,
    ``WEIGHTS`` and ``styles``; ``italic`` bool [N]."""

    images: np.ndarray
    char: np.ndarray
    family: np.ndarray
    weight: np.ndarray
    italic: np.ndarray
    style: np.ndarray
    families: tuple
    styles: tuple

    def __len__(self) -> int:
        return len(self.images)


def design_group(family: str) -> str:
    """The split key of a family: without a foundry prefix, its first word."""
    for prefix in _FOUNDRY_PREFIXES:
        if family.startswith(prefix) and len(family) > len(prefix):
            family = family[len(prefix):]
            break
    return family.split()[0]


def split_of(family: str) -> str:
    """``"test"`` when the family's design group hashes to 0 mod 5, else ``"train"``."""
    digest = int(hashlib.sha1(design_group(family).encode()).hexdigest()[:8], 16)
    return "test" if digest % _TEST_MODULUS == 0 else "train"


def weight_name(weight_class: int) -> str:
    """The ``WEIGHTS`` bucket of an OS/2 weight class (100 … 900)."""
    for name, limit in zip(WEIGHTS, _WEIGHT_LIMITS, strict=False):
        if weight_class < limit:
            return name
    return WEIGHTS[-1]


def read_font(path: str) -> Optional[Font]:
    """The font's factors, or None when it lacks one of ``CHARACTERS`` or its family is
    excluded (``EXCLUDED_FAMILIES``)."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    names = font["name"]
    family = names.getDebugName(16) or names.getDebugName(1) or os.path.basename(path)
    style = names.getDebugName(17) or names.getDebugName(2) or "Regular"
    cmap = font.getBestCmap() or {}
    if any(ord(c) not in cmap for c in CHARACTERS) or any(
            word in family for word in EXCLUDED_FAMILIES):
        return None
    os2 = font["OS/2"] if "OS/2" in font else None
    weight = weight_name(os2.usWeightClass if os2 is not None else 400)
    italic = bool(os2 is not None and os2.fsSelection & 0b10_0000_0001) or bool(
        "post" in font and font["post"].italicAngle != 0)
    return Font(path=path, family=family.strip(), style=style.strip(), weight=weight,
                italic=italic)


def package_font_files(packages: Sequence[str] = PACKAGES) -> list[str]:
    """Every ``.ttf`` / ``.otf`` file of ``packages`` (``dpkg-query -L``), sorted.

    Raises:
        DatasetNotFoundError: a package is not installed (the message says which) or
            ``dpkg-query`` is missing.
    """
    from tfgan_suite.data.sources import DatasetNotFoundError

    if shutil.which("dpkg-query") is None:
        raise DatasetNotFoundError("glyphs: needs Debian's font packages and dpkg-query; "
                                   f"install them with: {HOW_TO_GET}")
    files, missing = [], []
    for package in packages:
        listing = subprocess.run(["dpkg-query", "-L", package], capture_output=True,
                                 text=True, check=False)
        if listing.returncode != 0:
            missing.append(package)
            continue
        files += [line for line in listing.stdout.splitlines()
                  if line.lower().endswith((".ttf", ".otf")) and os.path.isfile(line)]
    if missing:
        raise DatasetNotFoundError(f"glyphs: font package(s) not installed: "
                                   f"{' '.join(missing)}; install them (as root) with: "
                                   f"apt-get install {' '.join(missing)} (or run make data)")
    return sorted(set(files))


def fonts_of(paths: Sequence[str]) -> list[Font]:
    """The usable fonts among ``paths``, one per (family, style), ordered by family then
    style."""
    kept: dict[tuple[str, str], Font] = {}
    for path in sorted(paths):
        font = read_font(path)
        if font is not None:
            kept.setdefault((font.family, font.style), font)
    return sorted(kept.values(), key=lambda f: (f.family, f.style, f.path))


def render_font(path: str, side: int = SIDE) -> np.ndarray:
    """The 62 characters of one font, uint8 [62, side, side], by the centring rule of the
    module docstring."""
    from PIL import Image, ImageDraw, ImageFont

    reference = ImageFont.truetype(path, _REFERENCE_SIZE)
    boxes = np.array([reference.getbbox(c, anchor="ls") for c in CHARACTERS], np.float64)
    top, bottom = boxes[:, 1].min(), boxes[:, 3].max()
    widest = (boxes[:, 2] - boxes[:, 0]).max()
    canvas = side * _OVERSAMPLE
    scale = FILL * canvas / max(bottom - top, widest, 1.0)
    font = ImageFont.truetype(path, max(1, int(round(_REFERENCE_SIZE * scale))))
    boxes = np.array([font.getbbox(c, anchor="ls") for c in CHARACTERS], np.float64)
    top, bottom = boxes[:, 1].min(), boxes[:, 3].max()
    baseline = (canvas - (bottom - top)) / 2.0 - top
    result = np.empty([len(CHARACTERS), side, side], np.uint8)
    for index, (character, box) in enumerate(zip(CHARACTERS, boxes, strict=True)):
        image = Image.new("L", (canvas, canvas), 0)
        left = (canvas - (box[2] - box[0])) / 2.0 - box[0]
        ImageDraw.Draw(image).text((left, baseline), character, fill=255, font=font,
                                   anchor="ls")
        result[index] = np.asarray(image.resize((side, side), Image.Resampling.BOX))
    return result


def render(fonts: Sequence[Font], side: int = SIDE) -> GlyphSet:
    """Every character of every font in ``fonts`` (font-major order)."""
    families = tuple(sorted({f.family for f in fonts}))
    styles = tuple(f"{f.family} {f.style}" for f in fonts)
    images = np.concatenate([render_font(f.path, side) for f in fonts]) if fonts else \
        np.zeros([0, side, side], np.uint8)
    per_font = len(CHARACTERS)
    repeat = functools.partial(np.repeat, repeats=per_font)
    return GlyphSet(
        images=images,
        char=np.tile(np.arange(per_font, dtype=np.int32), len(fonts)),
        family=repeat(np.array([families.index(f.family) for f in fonts], np.int32)),
        weight=repeat(np.array([WEIGHTS.index(f.weight) for f in fonts], np.int32)),
        italic=repeat(np.array([f.italic for f in fonts], bool)),
        style=np.repeat(np.arange(len(fonts), dtype=np.int32), per_font),
        families=families, styles=styles)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(paths: Optional[Sequence[str]] = None, side: int = SIDE,
          cache_dir: Optional[str] = None) -> dict[str, GlyphSet]:
    """Both splits, rendered once and cached (see the module docstring).

    Args:
        paths: font files (default: every font of ``PACKAGES``).
        side: the rendered side in pixels.
        cache_dir: default ``$TFGAN_CACHE_DIR`` or ``~/.cache/tfgan_suite``.

    Returns:
        ``{"train": GlyphSet, "test": GlyphSet}``; ``families`` and ``styles`` are shared
        by both splits (indices are global).
    """
    paths = package_font_files() if paths is None else sorted(paths)
    hashes = {path: _sha256(path) for path in paths}
    key = hashlib.sha1(json.dumps({"renderer": _RENDERER_VERSION, "side": side,
                                   "fonts": sorted(hashes.values())}).encode()).hexdigest()
    directory = os.path.join(cache_dir or cache.cache_dir(), "glyphs")
    path = os.path.join(directory, f"glyphs_{side}px_{key[:12]}.npz")
    if os.path.isfile(path):
        return _read(path)
    fonts = fonts_of(paths)
    everything = render(fonts, side)
    split = np.repeat(np.array([split_of(f.family) == "test" for f in fonts], bool),
                      len(CHARACTERS))
    os.makedirs(directory, exist_ok=True)
    partial = f"{path}.{os.getpid()}.partial.npz"
    np.savez_compressed(
        partial, images=everything.images, char=everything.char, family=everything.family,
        weight=everything.weight, italic=everything.italic, style=everything.style,
        test=split, families=np.array(everything.families), styles=np.array(everything.styles),
        font_paths=np.array([f.path for f in fonts]),
        font_sha256=np.array([hashes[f.path] for f in fonts]))
    os.replace(partial, path)  # atomic: readers never see half a file
    return _read(path)


def _read(path: str) -> dict[str, GlyphSet]:
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    families = tuple(str(f) for f in arrays["families"])
    styles = tuple(str(s) for s in arrays["styles"])
    result = {}
    for split, chosen in (("train", ~arrays["test"]), ("test", arrays["test"])):
        result[split] = GlyphSet(**{name: arrays[name][chosen] for name in
                                    ("images", "char", "family", "weight", "italic",
                                     "style")}, families=families, styles=styles)
    return result


@functools.lru_cache(maxsize=4)
def load(split: str = "train", side: int = SIDE) -> GlyphSet:
    """One split of the default dataset (every font of ``PACKAGES``), cached per process."""
    return build(side=side)[split]
