"""Casualty and arrest counts ("164 dead", "ponad 3 tys. zatrzymanych", "18 погибших") as the size
of the event they belong to."""
from __future__ import annotations

import functools
import re


from .lexicon import data_path, load_yaml
from .records import Event, Sentence

_NUMBER = re.compile(r"^\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?$")
KIND_TYPES = {"dead": ("ASSAULT", "PROTEST"), "injured": ("ASSAULT", "PROTEST"), "arrested": ("COERCE",)}


@functools.lru_cache(maxsize=1)
def _table():
    data = load_yaml(data_path("casualties.yaml"))
    mult = data.pop("multipliers")
    numbers = data.pop("number_words", {})
    words = {lang: {kind: set(ws) for kind, ws in kinds.items()} for lang, kinds in data.items()}
    return mult, words, numbers


def _value(text: str) -> float | None:
    if not _NUMBER.match(text):
        return None
    t = text.replace(" ", "")
    if re.search(r"[.,]\d{3}$", t) and t.count(",") + t.count(".") >= 1 and not re.search(r"[.,]\d{1,2}$", t):
        t = t.replace(",", "").replace(".", "")
    return float(t.replace(",", "."))


def _token_value(t, spelled: dict) -> float | None:
    v = _value(t.text)
    if v is None:  # "zginęły trzy osoby", "погибли трое"
        v = next((spelled[f] for f in (t.lower, *t.lemmas[:1]) if f in spelled), None)
    return v


def counts(sent: Sentence) -> dict[str, int]:
    """{kind: number} for the counts a sentence gives."""
    mult, words, numbers = _table()
    table = words.get(sent.lang)
    if not table:
        return {}
    spelled = numbers.get(sent.lang, {})
    toks = sent.tokens
    values = [_token_value(t, spelled) for t in toks]
    if not any(v is not None for v in values):
        return {}
    kinds = [next((kd for kd, ws in table.items() if t.forms & ws), None) for t in toks]
    out: dict[str, int] = {}
    for k, t in enumerate(toks):
        v = values[k]
        if v is None:
            continue
        j = k + 1
        if j < len(toks) and (toks[j].lower.rstrip(".") in mult or (toks[j].lemmas and toks[j].lemmas[0] in mult)):
            v *= mult.get(toks[j].lower.rstrip("."), mult.get(toks[j].lemmas[0] if toks[j].lemmas else "", 1))
            j += 1
            if j < len(toks) and toks[j].text == ".":
                j += 1
        # "17 zostało rannych", "164 dead"; else "zginęło 5 osób", "zatrzymała ponad 3 tys. osób"
        after = next((kinds[x] for x in range(j, min(len(toks), j + 3)) if kinds[x]), None)
        before = None
        for x in range(k - 1, max(-1, k - 7), -1):
            if toks[x].text in ",;:()":
                break
            if kinds[x]:
                before = kinds[x]
                break
        kind = after or before
        if kind:
            out.setdefault(kind, int(v))
    return out


def attach_sizes(events: list[Event], sentences: list[Sentence]) -> None:
    """Put each count on the event of its sentence it belongs to, else on the paragraph's last such event."""
    last: dict[tuple[int, str], Event] = {}
    by_sentence: dict[int, list[Event]] = {}
    for ev in events:
        by_sentence.setdefault(id(ev.sentence), []).append(ev)
    for sent in sentences:
        evs = by_sentence.get(id(sent), [])
        for ev in evs:
            for kind, types in KIND_TYPES.items():
                if ev.event_type in types:
                    last[(sent.paragraph, kind)] = ev
        for kind, n in counts(sent).items():
            target = next((e for e in evs if e.event_type in KIND_TYPES[kind]), None) or last.get((sent.paragraph, kind))
            if target is not None and target.size.get(kind) is None:
                target.size[kind] = n
