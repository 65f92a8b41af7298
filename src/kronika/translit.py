"""Transliteration of Cyrillic names to Latin, for keys that match across scripts.

The table follows the common English/scholarly practice for Russian, Ukrainian and Bulgarian
letters (a fact table, per letter); kronika uses it for identities, not for display.
"""
from __future__ import annotations

import functools
import re
import unicodedata

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


# Latin spellings of the same sounds, longest first: a name written by Polish, Czech or German
# convention is respelt by the English one ("Szczerbakow", "Ščerbakov" -> Shcherbakov). The same
# rules apply to every language, so that one spelling always gives one key.
_CONVENTIONS = (("szcz", "shch"), ("tsch", "ch"), ("sch", "sh"), ("sz", "sh"), ("cz", "ch"), ("rz", "zh"),
                ("š", "sh"), ("č", "ch"), ("ž", "zh"), ("ż", "zh"), ("ř", "rzh"), ("ł", "l"), ("w", "v"),
                ("j", "y"))
_RULES = dict(_CONVENTIONS)
_SPELLINGS = re.compile("|".join(sorted(map(re.escape, _RULES), key=len, reverse=True)))
_VOWELS = frozenset("aeiouy")


@functools.lru_cache(maxsize=100_000)  # events of one sentence fold the same names
def name_key(text: str, lang: str = "ru") -> str:
    """One key for a name however a language spells it, for matching names no table knows: Токаев,
    Токаєв, Tokajew, Tokajev and Tokayev are all 'Tokaev'; Зеленский, Zełenski and Zelenskyj
    'Zelensky' (`lang` picks the Cyrillic letters' table; the Latin rules are the same for all).

    >>> name_key("Tokajew", "pl") == name_key("Токаев", "ru") == name_key("Tokayev", "en")
    True
    """
    words = []
    for word in to_latin(text, lang).lower().split():
        word = _SPELLINGS.sub(lambda m: _RULES[m.group(0)], word)  # one pass: "szcz" is no "sz" + "cz"
        word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
        out: list[str] = []
        for i, c in enumerate(word):
            if c == "y" and out and i + 1 < len(word) and word[i + 1] in "aeou":
                if out[-1] in _VOWELS:
                    continue  # "Tokayev" and "Tokaev", "Mariya" and "Maria": a glide between vowels
                if out[-1].isalpha():
                    c = "i"  # "Shmyryaev" and "Szmyriajew": a soft consonant before a vowel
            if out and c == out[-1] and c.isalpha():
                continue  # doubled letters
            out.append(c)
        word = "".join(out)
        stem = word.rstrip("iyj")
        if stem != word and len(stem) >= 2:  # "-skiy", "-skyy", "-ski", "-skyj" -> "-sky"
            word = stem + "y"
        words.append(word[:1].upper() + word[1:])
    return " ".join(words)
