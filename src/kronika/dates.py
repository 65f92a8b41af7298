"""Dates: explicit dates anywhere in the article, weekdays and relative words in each sentence,
resolved against the article date or, where that is only a month, full dates elsewhere in the text.
"""
from __future__ import annotations

import datetime as dt
import functools
import re


from .lexicon import data_path, load_yaml
from .records import DateRef, Doc, Sentence

ISO = re.compile(r"\b(20\d\d|19\d\d)-(\d\d)-(\d\d)\b")
DOTTED = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(20\d\d|19\d\d)\b")


@functools.lru_cache(maxsize=1)
def _calendar():
    data = load_yaml(data_path("calendar.yaml"))
    months = {lang: {w: i + 1 for i, forms in enumerate(ms) for w in forms} for lang, ms in data["months"].items()}
    weekdays = {lang: {w: i for i, forms in enumerate(ws) for w in forms} for lang, ws in data["weekdays"].items()}
    relative: dict[str, dict[str, list[tuple[tuple[str, ...], int]]]] = {}
    for lang, rel in data["relative"].items():
        for k, v in rel.items():
            words = tuple(k.split())
            relative.setdefault(lang, {}).setdefault(words[0], []).append((words, v))
    return months, weekdays, relative


@functools.lru_cache(maxsize=None)
def _month_regex(lang: str) -> re.Pattern | None:
    months = _calendar()[0].get(lang)
    if not months:
        return None
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    # "6 stycznia 2022", "6. ledna 2022", "January 6, 2022", "6 January", "6 января 2022 года",
    # "6 de enero de 2022"
    return re.compile(rf"(?i)\b(?:(\d{{1,2}})\.?\s+(?:de\s+)?({names})\b\.?(?:,?\s+(?:de\s+|del\s+)?(\d{{4}}))?"
                      rf"|({names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?)")


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


@functools.lru_cache(maxsize=1)
def calendar_words() -> frozenset[str]:
    """Month and weekday words of every language: never names of places."""
    months, weekdays, _ = _calendar()
    return frozenset(w for table in (months, weekdays) for per in table.values() for w in per)


def explicit_dates(text: str, lang: str, offset: int = 0, year: int | None = None) -> list[DateRef]:
    """Full dates written out in `text`; a date without a year takes `year`, if given."""
    out = []
    for m in ISO.finditer(text):
        v = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if v:
            out.append(DateRef(m.start() + offset, m.end() + offset, m.group(), v))
    for m in DOTTED.finditer(text):
        v = _valid(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if v:
            out.append(DateRef(m.start() + offset, m.end() + offset, m.group(), v))
    # characters inside a date found so far: a look-up, where a scan of the dates would make the
    # whole-article pass grow with the square of its length
    covered = {k for d in out for k in range(d.start, d.end)}
    months = _calendar()[0]
    for lg in dict.fromkeys((lang, "en")):
        rx = _month_regex(lg)
        if rx is None:
            continue
        for m in rx.finditer(text):
            if m.group(1):
                day, month, y = int(m.group(1)), months[lg][m.group(2).lower()], m.group(3)
            else:
                day, month, y = int(m.group(5)), months[lg][m.group(4).lower()], m.group(6)
            yy = int(y) if y else year
            if yy is None:
                continue
            v = _valid(yy, month, day)
            if v and m.start() + offset not in covered:
                out.append(DateRef(m.start() + offset, m.end() + offset, m.group(), v))
                covered.update(range(m.start() + offset, m.end() + offset))
    return out


def reference_date(article_date: str | None, anchors: list[str]) -> dt.date | None:
    """The day relative words are counted from: the article's date, or the latest full date in
    the article that agrees with the article's month or year."""
    if article_date and len(article_date) == 10:
        return dt.date.fromisoformat(article_date)
    fitting = [a for a in anchors if not article_date or a.startswith(article_date)]
    return dt.date.fromisoformat(max(fitting)) if fitting else None


def sentence_dates(sent: Sentence, ref: dt.date | None, article_date: str | None) -> list[DateRef]:
    """Dates a sentence gives: explicit ones, weekdays and relative words, resolved against `ref`."""
    lang = sent.lang
    year = ref.year if ref else (int(article_date[:4]) if article_date else None)
    out = explicit_dates(sent.text, lang, sent.start, year)
    _, weekdays, relative = _calendar()
    wd = weekdays.get(lang, {})
    rel = relative.get(lang, {})
    toks = sent.tokens
    last_weekday = -10
    for k, t in enumerate(toks):
        forms = (t.lower, *t.lemmas[:2])
        day = next((wd[f] for f in forms if f in wd), None)
        if day is not None and k - last_weekday <= 2:
            continue  # "ze środy na czwartek", "с среды на четверг": a night is dated by its start
        if day is not None:
            last_weekday = k
            value = None
            if ref is not None:
                back = (ref.weekday() - day) % 7
                value = (ref - dt.timedelta(days=back)).isoformat()
            elif article_date:
                value = article_date
            if value:
                out.append(DateRef(t.start, t.end, t.text, value))
            continue
        options = rel.get(t.lower) or (rel.get(t.lemmas[0]) if t.lemmas else None) or ()
        for words, shift in options:
            n = len(words)
            if tuple(x.lower for x in toks[k:k + n]) == words or (n == 1 and t.lemmas[:1] == (words[0],)):
                if ref is not None:
                    out.append(DateRef(t.start, toks[k + n - 1].end, sent.text[t.start - sent.start:toks[k + n - 1].end - sent.start],
                                       (ref + dt.timedelta(days=shift)).isoformat()))
                break
    if not (article_date and len(article_date) >= 4) and year is not None:
        out = [_weekday_year(d, toks, wd, year) for d in out]
    out.sort(key=lambda d: d.start)
    return out


_YEAR = re.compile(r"\d{4}")


def _weekday_year(d: DateRef, toks, weekdays: dict, year: int) -> DateRef:
    """A day and month without a year in an undated article, next to a weekday ("в понедельник,
    9 июля"): the year, near the article's other dates, in which that day is that weekday."""
    if _YEAR.search(d.text) or len(d.value) != 10:
        return d
    near = [t for t in toks if 0 <= d.start - t.end <= 20 or 0 <= t.start - d.end <= 3]
    day = next((weekdays[f] for t in near for f in (t.lower, *t.lemmas[:2]) if f in weekdays), None)
    if day is None:
        return d
    month, dom = int(d.value[5:7]), int(d.value[8:10])
    for y in sorted(range(year - 7, year + 2), key=lambda y: (abs(y - year), -y)):
        v = _valid(y, month, dom)
        if v and dt.date.fromisoformat(v).weekday() == day:
            return DateRef(d.start, d.end, d.text, v)
    return d


def resolve_dates(doc: Doc) -> None:
    """Fill `doc.anchor_dates` and `doc.dates` (one list per sentence)."""
    body = doc.article.body
    lang = doc.sentences[0].lang if doc.sentences else "en"
    year = int(doc.article.date[:4]) if doc.article.date else None
    anchors = sorted({d.value for d in explicit_dates(body, lang, 0, year)})
    doc.anchor_dates = anchors
    ref = reference_date(doc.article.date, anchors)
    doc.dates = [sentence_dates(s, ref, doc.article.date) for s in doc.sentences]
