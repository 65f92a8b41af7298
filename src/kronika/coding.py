"""Coding: what other schemes call an event, and how sure kronika is of it, set on the typed `Event`
as the pipeline's last stage.

- CAMEO code and ACLED event type from the PLOVER crosswalk (`data/crosswalk.yaml`);
- the ACLED sub-event type refined beyond the crosswalk by the rules in `data/acled_rules.yaml`
  (which sub-type a shelling, a grenade or a dispersed rally is);
- a confidence from how much of the record the text supports.
"""
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


def code_events(events: list[Event]) -> None:
    """Set `cameo`, `acled` and `confidence` on each event (and its merged mentions' owner)."""
    cw = crosswalk()
    for ev in events:
        entry = cw.get(f"{ev.event_type}/{ev.mode}") or cw.get(ev.event_type) or {}
        ev.cameo = entry.get("cameo")
        ev.acled = refine(ev, tuple(entry["acled"]) if entry.get("acled") else None)
        ev.confidence = confidence(ev)


@functools.lru_cache(maxsize=1)
def crosswalk() -> dict[str, dict]:
    """PLOVER type (and type/mode) -> {"cameo": code, "acled": [event type, sub-event type]}."""
    return load_yaml(data_path("crosswalk.yaml"))


def confidence(ev: Event) -> float:
    """A confidence in [0, 1] from how much of the record the text supports."""
    s = 0.45
    s += 0.1 if ev.actor is not None and ev.actor.text else 0
    s += 0.05 if ev.recipient is not None else 0
    s += 0.1 if ev.location is not None else 0
    s += 0.05 if ev.date and len(ev.date) == 10 else 0
    s += 0.05 if ev.source is not None else 0
    s += 0.05 * min(len(ev.mentions), 3)
    return round(min(s, 0.95), 2)


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
