"""Text-like conditions for StackGAN: one short description per condition id, a vocabulary of
their whitespace-separated tokens, and the token table the text embedding reads.

StackGAN (Zhang et al., ICCV 2017) conditions on sentence embeddings; the suite's datasets
have no captions, so a condition is a short description built from the labels (and, on the
glyphs, the known factors): Fashion-MNIST's class names, whose words recur across classes
("a pair of trousers", "a t-shirt or top"); the glyphs' character, weight and slant
("A bold italic"), one id per (character, weight, slant). The networks embed the tokens
(``layers/conditioning.py``'s ``TextEmbedding``: a learned bag of words); users with their
own sentence embeddings replace that one layer (its output is φ_t, [batch, embedding_dim]).
Tokens are case-sensitive (the glyphs' "A" and "a" are different characters).
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from tfgan_suite.data import glyphs

#: Fashion-MNIST's classes 0-9, described.
FASHION_MNIST = ("a t-shirt or top", "a pair of trousers", "a pullover", "a dress", "a coat",
                 "a sandal", "a shirt", "a sneaker", "a bag", "an ankle boot")
SLANTS = ("upright", "italic")
#: Glyph condition ids per character: one per (weight, slant).
CONDITIONS_PER_CHARACTER = len(glyphs.WEIGHTS) * len(SLANTS)


def glyph_descriptions() -> tuple[str, ...]:
    """"<character> <weight> <slant>" for id (character · |WEIGHTS| + weight) · 2 + italic."""
    return tuple(f"{char} {weight} {slant}" for char in glyphs.CHARACTERS
                 for weight in glyphs.WEIGHTS for slant in SLANTS)


def glyph_condition_ids(chars, weights, italic) -> np.ndarray:
    """Condition ids of ``glyph_descriptions`` from each example's character, weight and
    italic flag."""
    return ((np.asarray(chars) * len(glyphs.WEIGHTS) + np.asarray(weights)) * len(SLANTS)
            + np.asarray(italic).astype(np.int64)).astype(np.int32)


def glyph_character(condition_ids) -> np.ndarray:
    """The character index each ``glyph_condition_ids`` id names."""
    return (np.asarray(condition_ids, np.int64) // CONDITIONS_PER_CHARACTER).astype(np.int32)


NAMED = {"fashion_mnist": FASHION_MNIST}


def resolve(descriptions: Union[str, Sequence[str]], field: str = "descriptions"
            ) -> tuple[str, ...]:
    """A named set (``fashion_mnist``, ``glyphs``) or an explicit list of descriptions."""
    if isinstance(descriptions, str):
        if descriptions == "glyphs":
            return glyph_descriptions()
        if descriptions not in NAMED:
            raise ValueError(f"{field}: unknown set {descriptions!r}; accepted: "
                             f"{', '.join(sorted(NAMED) + ['glyphs'])}, or a list of texts")
        return NAMED[descriptions]
    texts = tuple(descriptions)
    if not texts or not all(isinstance(t, str) and t.split() for t in texts):
        raise ValueError(f"{field}: a list of non-empty texts, one per condition, got "
                         f"{descriptions!r}")
    return texts


class Vocabulary:
    """The sorted tokens of ``texts``; id 0 is padding, tokens are 1, 2, …"""

    def __init__(self, texts: Sequence[str]):
        self.texts = tuple(texts)
        self.tokens = tuple(sorted({token for text in texts for token in text.split()}))
        self._ids = {token: index + 1 for index, token in enumerate(self.tokens)}
        self.length = max(len(text.split()) for text in texts)

    @property
    def size(self) -> int:
        """Number of ids, padding included."""
        return len(self.tokens) + 1

    def encode(self, text: str, field: str = "text") -> np.ndarray:
        """[length] int32 ids of ``text``, zero-padded; unknown tokens are refused."""
        words = text.split()
        unknown = [word for word in words if word not in self._ids]
        if unknown:
            raise ValueError(f"{field}: unknown token {unknown[0]!r} in {text!r}; accepted: "
                             f"{', '.join(self.tokens)}")
        if not words or len(words) > self.length:
            raise ValueError(f"{field}: a text of 1 to {self.length} tokens, got {text!r}")
        return np.array([self._ids[w] for w in words] + [0] * (self.length - len(words)),
                        np.int32)

    def table(self) -> np.ndarray:
        """[len(texts), length] int32: every description's ids, one row per condition id."""
        return np.stack([self.encode(text) for text in self.texts])

    def condition_of(self, text: str, field: str = "text") -> int:
        """The condition id described by ``text`` (tokens checked first)."""
        self.encode(text, field)
        normal = " ".join(text.split())
        if normal not in self.texts:
            shown = ", ".join(repr(t) for t in self.texts[:12])
            more = f" … ({len(self.texts)} in all)" if len(self.texts) > 12 else ""
            raise ValueError(f"{field}: {text!r} describes no condition; accepted: "
                             f"{shown}{more}")
        return self.texts.index(normal)
