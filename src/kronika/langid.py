"""Language of each paragraph, and of sentences written in another script than their paragraph.

The script of the letters narrows the candidates (a Cyrillic tweet inside a Polish article is not
Polish); py3langid, restricted to those candidates, decides among them.
"""
from __future__ import annotations

import functools
import unicodedata

LATIN = ("pl", "cs", "sk", "de", "en", "sl", "hr", "fr", "es", "it", "pt", "nl", "lt", "lv", "ro", "hu")
CYRILLIC = ("ru", "uk", "bg", "be", "sr", "mk", "kk")


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def script_of(text: str) -> str | None:
    """'latin', 'cyrillic' or None, by the majority of letters."""
    lat = cyr = 0
    for ch in text:
        if ch.isalpha():
            if ch < "\u0250":
                lat += 1
            elif "\u0400" <= ch < "\u0530":
                cyr += 1
            elif unicodedata.category(ch) == "Lo":
                continue
    if not lat and not cyr:
        return None
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
    ident = _identifier()
    ident.set_languages(list(cands))
    lang, prob = ident.classify(text)
    if hint in cands and lang != hint and prob < 0.9:
        return hint
    return lang
