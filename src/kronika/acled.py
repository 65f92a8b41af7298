"""ACLED sub-event types of events, refined beyond the PLOVER crosswalk by the rules in
`data/acled_rules.yaml` (which sub-type a shelling, a grenade or a dispersed rally is)."""
from __future__ import annotations

import functools
import re

from .lexicon import data_path, load_yaml
from .records import Event

_ACLED_TYPES = {  # sub-event type -> ACLED event type
    "Chemical weapon": "Explosions/Remote violence", "Suicide bomb": "Explosions/Remote violence",
    "Air/drone strike": "Explosions/Remote violence", "Shelling/artillery/missile attack": "Explosions/Remote violence",
    "Grenade": "Explosions/Remote violence", "Remote explosive/landmine/IED": "Explosions/Remote violence",
    "Disrupted weapons use": "Strategic developments", "Sexual violence": "Violence against civilians",
    "Abduction/forced disappearance": "Violence against civilians", "Attack": "Violence against civilians",
    "Government regains territory": "Battles", "Non-state actor overtakes territory": "Battles",
    "Armed clash": "Battles", "Non-violent transfer of territory": "Strategic developments",
    "Headquarters or base established": "Strategic developments", "Arrests": "Strategic developments",
    "Agreement": "Strategic developments", "Change to group/activity": "Strategic developments",
    "Looting/property destruction": "Strategic developments", "Other": "Strategic developments",
    "Excessive force against protesters": "Protests", "Protest with intervention": "Protests",
    "Peaceful protest": "Protests", "Violent demonstration": "Riots", "Mob violence": "Riots",
}


@functools.lru_cache(maxsize=1)
def _rules():
    data = load_yaml(data_path("acled_rules.yaml"))
    rules = []
    for r in data["rules"]:
        words = {lang: _matcher(ws) for lang, ws in (r.get("words") or {}).items()}
        unless = {lang: _matcher(ws) for lang, ws in (r.get("unless") or {}).items()}
        rules.append((r["sub"], frozenset(r.get("types") or ()), frozenset(r.get("modes") or ()),
                      frozenset(r.get("actor_sectors") or ()), frozenset(r.get("recipient_sectors") or ()),
                      frozenset(r.get("not_actor_sectors") or ()), words if r.get("words") else None, unless))
    return rules, tuple(data["priority"])


def _matcher(words: list[str]):
    singles = frozenset(w.lower() for w in words if " " not in w)
    phrases = tuple(w.lower() for w in words if " " in w)
    return singles, phrases


_WORD = re.compile(r"\w[\w'-]*")


def _hit(m, tokens: set[str], text: str) -> bool:
    singles, phrases = m
    return bool(singles & tokens) or any(p in text for p in phrases)


def refine(ev: Event, default: tuple[str, str] | None) -> tuple[str, str] | None:
    """(ACLED event type, sub-event type) of an event, or the crosswalk's default."""
    rules, _ = _rules()
    text = ev.sentence.text.lower()
    tokens = set(_WORD.findall(text)) | {lem for t in ev.sentence.tokens for lem in t.lemmas}
    actor = ev.actor.sector if ev.actor else None
    recipient = ev.recipient.sector if ev.recipient else None
    for sub, types, modes, a_sec, r_sec, not_a_sec, words, unless in rules:
        if ev.event_type not in types or (modes and ev.mode not in modes):
            continue
        if a_sec and actor not in a_sec or r_sec and recipient not in r_sec or actor in not_a_sec:
            continue
        if words is not None:
            m = words.get(ev.language)
            if m is None or not _hit(m, tokens, text):
                continue
        u = unless.get(ev.language)
        if u is not None and _hit(u, tokens, text):
            continue
        return _ACLED_TYPES[sub], sub
    return default


def priority(sub: str | None) -> int:
    """Rank of a sub-event type when a text reports several events (0 is the most specific)."""
    order = _rules()[1]
    return order.index(sub) if sub in order else len(order)
