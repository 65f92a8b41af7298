"""Language of each paragraph, and of sentences written in another script than their paragraph.

The script of the letters narrows the candidates (a Cyrillic tweet inside a Polish article is not
Polish); py3langid, restricted to those candidates, decides among them.
"""
from __future__ import annotations

import copy
import functools
import re

LATIN = ("pl", "cs", "sk", "de", "en", "sl", "hr", "fr", "es", "it", "pt", "nl", "lt", "lv", "ro", "hu")
CYRILLIC = ("ru", "uk", "bg", "be", "sr", "mk", "kk")


_LATIN_RX = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC_RX = re.compile(r"[\u0400-\u052f]")


@functools.lru_cache(maxsize=4)
def _identifier(candidates: tuple[str, ...]):
    """A py3langid identifier restricted to `candidates` (restricting is slow: done once per set)."""
    ident = copy.copy(_base_identifier())  # shares the model; restricting replaces arrays, never edits them
    ident.set_languages(list(candidates))
    return ident


@functools.lru_cache(maxsize=1)
def _base_identifier():
    """py3langid's identifier; its model is decompressed and parsed once into the cache (half a
    second at every start otherwise)."""
    from importlib import metadata

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from .mapped import cached_object

    return cached_object("langid", f"py3langid-{metadata.version('py3langid')}",
                         lambda: LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))


def script_of(text: str) -> str | None:
    """'latin', 'cyrillic' or None, by the majority of letters."""
    cyr = len(_CYRILLIC_RX.findall(text))
    if not cyr:
        return "latin" if _LATIN_RX.search(text) else None
    lat = len(_LATIN_RX.findall(text))
    return "cyrillic" if cyr > lat else "latin"


def identify(text: str, hint: str | None = None) -> str:
    """The language of `text` (ISO 639-1); `hint` wins on short text in the same script.

    >>> identify("Белоруссия отправит миротворческую роту в Казахстан", "pl")
    'ru'
    """
    script = script_of(text)
    cands = CYRILLIC if script == "cyrillic" else LATIN
    if hint in cands and len(text) < 60:
        return hint
    if script is None:
        return hint or "en"
    lang, prob = _identifier(cands).classify(text)
    if hint in cands and lang != hint and prob < 0.9:
        return hint
    return lang
