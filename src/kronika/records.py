"""Typed records that flow between pipeline stages.

Offsets are Python character offsets into `Article.body`, end excluded.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Article:
    doc_id: str
    body: str
    path: str = "-"
    date: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    title: str | None = None
    url: str | None = None
    lang: str | None = None  # declared by the input, if any
    outlet: str | None = None  # the `source` header: who published the article


@dataclass(frozen=True, slots=True)
class Skip:
    """A span that is not article prose (see-also lines, URLs, tweet trailers, sign-offs)."""

    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    start: int
    end: int
    lang: str
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    lemmas: tuple[str, ...] = ()  # lower-cased base forms, most likely first
    tags: tuple[str, ...] = ()  # morphological tags, aligned with lemmas
    lower: str = ""  # the lower-cased text; filled in when not given
    forms: frozenset[str] = frozenset()  # the lower-cased text and the lemmas; filled in when not given
    name_forms: tuple[str, ...] = ()  # forms under which it can be part of a name (morph.name_forms)

    def __post_init__(self) -> None:
        if not self.lower:
            object.__setattr__(self, "lower", self.text.lower())
        if not self.forms:
            object.__setattr__(self, "forms", frozenset((self.lower, *self.lemmas)))


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    text: str
    lang: str
    paragraph: int
    heading: bool = False
    tokens: list[Token] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Place:
    geonameid: int | None
    name: str
    country: str | None  # ISO 3166 alpha-2
    lat: float | None
    lon: float | None
    resolution: str  # country, admin1, city, place
    admin1: str | None = None
    population: int = 0
    capital: bool = False  # a national capital, which speaks for its state ("Moscow rejects ...")


@dataclass(frozen=True, slots=True)
class Mention:
    """A named or generic entity found in the text."""

    start: int
    end: int
    text: str
    kind: str  # PER, LOC, ORG, EVT, PRO; GEN for generic agents ("the police")
    key: str  # language-independent identity, e.g. "Alexander Lukashenko"
    base: str  # base form in the article's language
    code: str | None = None  # ISO alpha-3 or IGO/NGO/MNC/UNK
    sector: str | None = None
    place: Place | None = None
    source_kind: str | None = None  # "agency", "witness", ... when it can be a news source
    inflected: bool = False  # matched only through a guessed base ("Tokajewa" -> Tokajew): not nominative
    alternatives: tuple[Place, ...] = ()  # other places of the same name, for the article to decide
    first_token: int = -1  # index of the first token in its sentence
    last_token: int = -1
    sentence: int = -1


@dataclass(frozen=True, slots=True)
class DateRef:
    start: int
    end: int
    text: str
    value: str  # YYYY-MM-DD, YYYY-MM or YYYY
    until: str | None = None  # the last day of a range ("from Wednesday to Friday", "since Monday")


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """When an event happened, as an interval of days with how precisely the text fixes it:
    `day`, `range` (two days the text gives, or "since" a day up to the article's date), `month`,
    `year`, `reported` (the text gives no day: at most REPORT_LAG_DAYS before the article's date,
    which bounds what it reports as past) or `unknown` (start and end None)."""

    start: str | None  # YYYY-MM-DD
    end: str | None
    precision: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "precision": self.precision}


UNKNOWN_TIME = TimeSpan(None, None, "unknown")


@dataclass(frozen=True, slots=True)
class Actor:
    text: str
    name: str
    code: str | None
    sector: str | None

    def to_dict(self) -> dict:
        return {"text": self.text, "name": self.name, "code": self.code, "sector": self.sector}


@dataclass(frozen=True, slots=True)
class Source:
    text: str
    name: str


@dataclass(frozen=True, slots=True)
class Trigger:
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(slots=True)
class Event:
    doc_id: str
    event_type: str
    mode: str | None
    sentence: Sentence
    trigger: Trigger
    language: str
    actor: Actor | None = None
    recipient: Actor | None = None
    location: Place | None = None
    location_text: str | None = None
    date: str | None = None
    date_text: str | None = None
    time: TimeSpan | None = None  # the interval `date` stands for (dates.time_span)
    source: Source | None = None
    context: list[str] = field(default_factory=list)
    size: dict[str, int | None] = field(default_factory=lambda: {"dead": None, "injured": None, "arrested": None})
    confidence: float = 0.5
    mentions: list["Event"] = field(default_factory=list)  # other mentions merged into this one
    names: tuple[str, ...] = ()  # keys of the names and the numbers its sentences give (events.name_events)
    home: str | None = None  # the type to use when actor and destination are one country
    cameo: str | None = None  # set by the coding stage (crosswalk)
    acled: tuple[str, str] | None = None  # (ACLED event type, sub-event type), set by the coding stage

    def to_dict(self) -> dict:
        """The spec's JSON record of this event (shared/spec/EVENTS.md), with kronika's extra fields
        (size, cameo, acled, confidence, mentions)."""
        loc = self.location
        s = self.sentence
        return {
            "doc_id": self.doc_id,
            "event_type": self.event_type,
            "mode": self.mode,
            "context": list(self.context),
            "actor": None if self.actor is None else self.actor.to_dict(),
            "recipient": None if self.recipient is None else self.recipient.to_dict(),
            "location": None if loc is None else {
                "text": self.location_text, "name": loc.name,
                "geonameid": loc.geonameid if loc.geonameid and loc.geonameid > 0 else None,
                "country": loc.country, "lat": loc.lat, "lon": loc.lon, "resolution": loc.resolution},
            "date": self.date,
            "date_text": self.date_text,
            "time": (self.time or UNKNOWN_TIME).to_dict(),
            "source": None if self.source is None else {"text": self.source.text, "name": self.source.name},
            "evidence": {"sentence": s.text, "start": s.start, "end": s.end, "trigger": self.trigger.to_dict()},
            "language": self.language,
            "size": dict(self.size),
            "cameo": self.cameo,
            "acled": None if not self.acled else {"event_type": self.acled[0], "sub_event_type": self.acled[1]},
            "confidence": self.confidence,
            "names": list(self.names),
            "mentions": [{"sentence": m.sentence.text, "start": m.sentence.start, "end": m.sentence.end,
                          "trigger": m.trigger.to_dict()} for m in self.mentions],
        }


@dataclass(frozen=True, slots=True)
class Toponym:
    """A name of a place in an article and the place it was resolved to (places.py); a toponym that
    could not be resolved has null fields and a `reason`."""

    doc_id: str
    start: int
    end: int
    text: str
    geonameid: int | None
    name: str | None
    country: str | None  # ISO 3166 alpha-2
    admin1: str | None  # name of the first-level division
    lat: float | None
    lon: float | None
    feature: str | None  # country, admin1, city, other
    score: float
    kind: str = "toponym"  # toponym, demonym
    reason: str | None = None  # why a toponym has no place

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Doc:
    """The working state of one article as the stages fill it in."""

    article: Article
    skips: list[Skip] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[list[Mention]] = field(default_factory=list)  # per sentence
    dates: list[list[DateRef]] = field(default_factory=list)  # per sentence
    anchor_dates: list[str] = field(default_factory=list)  # full dates found anywhere in the body
    sources: list[Source | None] = field(default_factory=list)  # per sentence
    units: list[list["Unit"]] = field(default_factory=list)  # per sentence, see roles.Unit  # noqa: F821
    speakers: list[Actor | None] = field(default_factory=list)  # per sentence: who speaks, when it can act
    events: list[Event] = field(default_factory=list)
    main_country: str | None = None  # alpha-3 of the country the article is mostly about
    dateline: Place | None = None  # the place a wire report is filed from
    toponyms: list[Toponym] = field(default_factory=list)  # every name of a place, resolved (entity stage)
    warnings: list["Notice"] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know about how an article was read; counted by `reason`."""

    reason: str  # short and stable: "undated", "no-lexicon", ...
    message: str

    def __str__(self) -> str:
        return self.message
