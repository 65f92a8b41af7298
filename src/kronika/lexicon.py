"""Per-language lexicons (data/lexicons/<lang>.yaml), loaded, validated and indexed once."""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .errors import DataError

PLOVER_MODES: dict[str, set[str]] = {
    "AGREE": set(),
    "CONSULT": {"visit", "third-party", "multilateral", "phone"},
    "SUPPORT": set(),
    "CONCEDE": set(),
    "COOPERATE": set(),
    "AID": set(),
    "RETREAT": {"withdraw", "release", "disarm", "ceasefire", "access", "resign"},
    "REQUEST": {"assist", "change", "yield", "meet"},
    "ACCUSE": {"disapprove", "investigate", "allege"},
    "REJECT": {"assist", "change", "yield", "meet"},
    "THREATEN": {"restrict", "arrest", "relations", "expel", "territory", "violence"},
    "PROTEST": {"demo", "riot", "strike", "hunger", "boycott", "obstruct", "vandalize"},
    "SANCTION": {"convict", "expel", "withdraw", "discontinue"},
    "MOBILIZE": {"troops", "weapons", "police", "militia"},
    "COERCE": {"seize", "restrict", "censor", "curfew", "martial-law", "arrest", "deport", "withhold",
               "misinformation", "cyber"},
    "ASSAULT": {"abduct", "beat", "torture", "sexual", "targeted", "destroy", "primitive", "firearms",
                "explosives", "suicide-attack", "aerial", "drone", "heavy-weapons", "crowd-control",
                "unconventional"},
}
SECTORS = {"GOV", "MIL", "COP", "SPY", "JUD", "LEG", "OPP", "REB", "CVL", "BUS", "JRN", "MED", "EDU", "REL",
           "LAB", "PTY", "UAF", "CRM", "REF", "ELI", "UNK"}
ROLES = {"recipient", "partner", "location", "agent", "ignore"}
_TRIGGER_KEYS = {"type", "mode", "lemmas", "near", "not_near", "not_after", "home", "context", "gen", "negated", "noun"}


@dataclass(frozen=True, slots=True)
class TriggerRule:
    type: str
    mode: str | None
    words: tuple[tuple[str, ...], ...]  # each a sequence of lemmas (one for single words)
    near: frozenset[str]
    not_near: frozenset[str]
    home: str | None
    context: tuple[str, ...]
    gen: str
    negated: bool = False  # fires only when negated ("internet nie działa")
    not_after: frozenset[str] = frozenset()  # never right after one of these ("the accused")
    # the words name a kind of act ("sanctions", "talks"): they report one only with a verb that
    # makes it happen in their clause ("imposed sanctions", "talks were held"), see `light_verbs`
    noun: bool = False


@dataclass(frozen=True, slots=True)
class GroupRule:
    """A generic agent ("policja") or a nameless source ("świadek")."""

    lemmas: frozenset[str]
    near: frozenset[str]
    name: str
    sector: str | None


@dataclass(frozen=True, slots=True)
class Lexicon:
    lang: str
    triggers: tuple[TriggerRule, ...]
    by_first: dict[str, tuple[TriggerRule, ...]]  # first lemma of any word -> rules
    first_words: frozenset[str]  # the keys of by_first
    negation: frozenset[str]
    hypothetical: frozenset[str]
    participant_nouns: frozenset[str]
    skip_tags: tuple[str, ...]
    reporting_verbs: frozenset[str]
    according_to: tuple[tuple[str, ...], ...]  # token sequences, lower-cased
    passive_agent: frozenset[str]
    prepositions: dict[str, str]
    generic_actors: tuple[GroupRule, ...]
    source_nouns: tuple[GroupRule, ...]
    quantifiers: frozenset[str] = frozenset()
    object_pronouns: frozenset[str] = frozenset()
    relative_pronouns: frozenset[str] = frozenset()
    passive_aux: frozenset[str] = frozenset()
    subject_first: bool = False  # verb-second order with the participle last (German)
    denial_verbs: frozenset[str] = frozenset()  # "denied that ...": what follows is not asserted
    locative: frozenset[str] = frozenset()  # the prepositions whose role is location ("in", "w", "в")
    negation_scope: str = "before"  # or "clause": German puts "nicht" after the verb
    conjunctions: frozenset[str] = frozenset()
    # pronouns, particles, adverbs, prepositions, conjunctions: never a name or a place on their own
    function_words: frozenset[str] = frozenset()
    light_verbs: frozenset[str] = frozenset()  # verbs that make a noun trigger's act happen
    after_words: frozenset[str] = frozenset()  # "after the meeting": the meeting took place

    def is_function_word(self, text: str) -> bool:
        """A word that is never a name by itself ("У", "Zhruba"); an acronym ("WHO") is not one."""
        return (len(text) == 1 or not text.isupper()) and text.lower() in self.function_words


def group_index(rules: tuple[GroupRule, ...]) -> dict[str, tuple[tuple[GroupRule, tuple[str, ...]], ...]]:
    """First word -> (group rule, the words that must follow) for every lemma or phrase of the rules
    ("security forces" is listed under "security"), longest phrases first, else in lexicon order."""
    out: dict[str, list[tuple[GroupRule, tuple[str, ...]]]] = {}
    for r in rules:
        for lemma in r.lemmas:
            first, *rest = lemma.split()
            out.setdefault(first, []).append((r, tuple(rest)))
    return {k: tuple(sorted(v, key=lambda x: -len(x[1]))) for k, v in out.items()}


def _words(v) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"expected a list of words, got {v!r}")
    return [x.strip() for x in v]


def _group(item, where: str, need_sector: bool) -> GroupRule:
    sector = item.get("sector")
    if need_sector and sector not in SECTORS:
        raise ValueError(f"{where}: unknown sector {sector!r}")
    return GroupRule(frozenset(w.lower() for w in _words(item.get("lemmas"))),
                     frozenset(w.lower() for w in _words(item.get("near"))), str(item["name"]), sector)


def parse_lexicon(data: dict, origin: str) -> Lexicon:
    """Validate a lexicon mapping and index it; raise DataError naming `origin` on any fault."""
    try:
        lang = data["lang"]
        rules: list[TriggerRule] = []
        for i, t in enumerate(data.get("triggers") or []):
            where = f"trigger {i + 1} ({t.get('type')} {t.get('lemmas')})"
            if set(t) - _TRIGGER_KEYS:
                raise ValueError(f"{where}: unknown keys {sorted(set(t) - _TRIGGER_KEYS)}")
            typ = t.get("type")
            if typ not in PLOVER_MODES:
                raise ValueError(f"{where}: unknown PLOVER type {typ!r}")
            mode = t.get("mode")
            if mode is not None and mode not in PLOVER_MODES[typ]:
                raise ValueError(f"{where}: mode {mode!r} is not a mode of {typ}")
            home = t.get("home")
            if home is not None and home not in PLOVER_MODES:
                raise ValueError(f"{where}: unknown home type {home!r}")
            words = _words(t.get("lemmas"))
            if not words:
                raise ValueError(f"{where}: no lemmas")
            if any(w != w.lower() for w in words + _words(t.get("near"))):
                raise ValueError(f"{where}: lemmas must be lower-case")
            gen = t.get("gen") or ("recipient" if typ in ("ASSAULT", "COERCE") else "actor")
            if gen not in ("actor", "recipient"):
                raise ValueError(f"{where}: gen must be actor or recipient")
            rules.append(TriggerRule(typ, mode, tuple(tuple(w.split()) for w in words),
                                     frozenset(_words(t.get("near"))), frozenset(_words(t.get("not_near"))),
                                     home, tuple(_words(t.get("context"))), gen, bool(t.get("negated")),
                                     frozenset(_words(t.get("not_after"))), bool(t.get("noun"))))
        if any(r.noun for r in rules) and not data.get("light_verbs"):
            raise ValueError("noun triggers need a light_verbs list")
        by_first: dict[str, list[TriggerRule]] = {}
        for r in rules:
            for w in r.words:
                lst = by_first.setdefault(w[0], [])
                if r not in lst:
                    lst.append(r)
        preps = {str(k).lower(): v for k, v in (data.get("prepositions") or {}).items()}
        bad = {v for v in preps.values() if v not in ROLES}
        if bad:
            raise ValueError(f"prepositions: unknown roles {sorted(bad)}")
        return Lexicon(
            lang=lang,
            triggers=tuple(rules),
            by_first={k: tuple(v) for k, v in by_first.items()},
            first_words=frozenset(by_first),
            negation=frozenset(_words(data.get("negation"))),
            hypothetical=frozenset(_words(data.get("hypothetical"))),
            participant_nouns=frozenset(_words(data.get("participant_nouns"))),
            skip_tags=tuple(_words(data.get("skip_tags"))),
            reporting_verbs=frozenset(_words(data.get("reporting_verbs"))),
            according_to=tuple(tuple(p.lower().split()) for p in _words(data.get("according_to"))),
            passive_agent=frozenset(_words(data.get("passive_agent"))),
            prepositions=preps,
            locative=frozenset(p for p, role in preps.items() if role == "location"),
            generic_actors=tuple(_group(g, "generic_actors", True) for g in data.get("generic_actors") or []),
            source_nouns=tuple(_group(g, "source_nouns", False) for g in data.get("source_nouns") or []),
            quantifiers=frozenset(_words(data.get("quantifiers"))),
            object_pronouns=frozenset(_words(data.get("object_pronouns"))),
            relative_pronouns=frozenset(_words(data.get("relative_pronouns"))),
            passive_aux=frozenset(_words(data.get("passive_aux"))),
            subject_first=bool(data.get("subject_first")),
            denial_verbs=frozenset(_words(data.get("denial_verbs"))),
            negation_scope=str(data.get("negation_scope") or "before"),
            conjunctions=frozenset(_words(data.get("conjunctions"))),
            light_verbs=frozenset(_words(data.get("light_verbs"))),
            after_words=frozenset(_words(data.get("after_words"))),
            function_words=frozenset(w.lower() for w in (
                *_words(data.get("function_words")), *preps, *_words(data.get("conjunctions")),
                *_words(data.get("object_pronouns")), *_words(data.get("relative_pronouns")),
                *_words(data.get("negation")))),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(origin, str(exc)) from exc


def load_yaml(path: Path):
    """Parse a YAML data file (with libyaml when it is there: our lexicons are large). Our own
    data files are parsed once per content into the cache (parsing them all costs a quarter second
    at every start)."""
    path = Path(path)
    try:
        name = path.resolve().relative_to(data_path().resolve())
    except ValueError:  # a file of the user's
        return _parse_yaml(path.read_bytes())
    from .mapped import cached_object

    raw = path.read_bytes()
    return cached_object("yaml-" + "-".join(name.with_suffix("").parts), hashlib.sha256(raw).hexdigest()[:16],
                         lambda: _parse_yaml(raw))


def _parse_yaml(raw: bytes):
    return yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def data_path(*parts: str) -> Path:
    return Path(str(resources.files("kronika").joinpath("data", *parts)))


def available_languages() -> list[str]:
    return sorted(p.stem for p in data_path("lexicons").glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def load_lexicon(lang: str) -> Lexicon | None:
    """The lexicon of `lang`, or None when kronika has none for it."""
    path = data_path("lexicons", f"{lang}.yaml")
    if not path.exists():
        return None
    try:
        data = load_yaml(path)
    except yaml.YAMLError as exc:
        raise DataError(str(path), f"not valid YAML: {exc}") from exc
    return parse_lexicon(data, str(path))
