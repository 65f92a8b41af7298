"""Transliteration of Cyrillic names to Latin, for keys that match across scripts.

The table follows the common English/scholarly practice for Russian, Ukrainian and Bulgarian
letters (a fact table, per letter); kronika uses it for identities, not for display.
"""
from __future__ import annotations

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_UK = dict(_COMMON, **{"г": "h", "ґ": "g", "е": "e", "є": "ye", "и": "y", "і": "i", "ї": "yi", "'": "", "’": "", "ʼ": ""})
_BG = dict(_COMMON, **{"ъ": "a", "щ": "sht", "ь": "y"})
TABLES = {"ru": _COMMON, "uk": _UK, "bg": _BG, "be": _COMMON, "sr": _COMMON, "mk": _COMMON}


def to_latin(text: str, lang: str = "ru") -> str:
    """Latin spelling of a Cyrillic name; Latin text is returned unchanged.

    >>> to_latin("Лукашенко")
    'Lukashenko'
    >>> to_latin("Зеленський", "uk")
    'Zelenskyy'
    """
    table = TABLES.get(lang, _COMMON)
    out = []
    for ch in text:
        low = ch.lower()
        if low in table:
            rep = table[low]
            out.append(rep.capitalize() if ch != low and rep else rep)
        else:
            out.append(ch)
    return "".join(out)
