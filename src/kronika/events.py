"""Events: triggers from the language's lexicon, then actor, recipient, place, date and source.

A trigger fires on a token whose lemma (or surface form) the lexicon lists, when its `near`
words stand close by, and not when it is negated, hypothetical, part of a participant noun
("uczestnicy protestów") or a participle used as a noun. One event per type and sentence.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right


from .dates import time_span
from .gazetteer import NameIndex
from .place_phrases import best_place
from .lexicon import Lexicon, TriggerRule, load_lexicon
from .morph import first_person
from .records import Actor, DateRef, Doc, Event, Place, Sentence, Trigger
from .roles import Unit, clause_bounds, is_theme
from .syntax import Parse, parse_sentences
from .translit import name_key

WINDOW = 8
OPENING = frozenset('"„“«‘(:-–—')
NEGATION_REACH = 5  # "has not imposed any sanctions": the negated verb governs the trigger


def find_triggers(sent: Sentence, lex: Lexicon) -> list[tuple[int, int, TriggerRule]]:
    """(first token, last token, rule) of every trigger that fires in the sentence."""
    toks = sent.tokens
    sets = [t.forms for t in toks]
    clause = clause_bounds(sent, lex)
    # a negated reporting verb ("nie ujawnił, kiedy ...") leaves what follows unasserted
    muted_from = muted_to = len(toks)
    if sent.text.rstrip().endswith("?"):
        return []  # a question asks whether something happened; it reports nothing
    for k, t in enumerate(toks):
        if sets[k] & lex.reporting_verbs and any(sets[j] & lex.negation for j in range(max(0, k - 2), k)):
            muted_from = k
            break
        if sets[k] & lex.denial_verbs:
            # "denied that its troops had fired": what is denied is not reported as fact, up to a
            # conjunction that opens the next statement ("..., i oskarżył Polskę")
            muted_from = k
            muted_to = next((j for j in range(k + 2, len(toks)) if sets[j] & lex.conjunctions), len(toks))
            break
    out = []
    for k, t in enumerate(toks):
        if lex.first_words.isdisjoint(t.forms):
            continue  # most words start no trigger
        for lemma in dict.fromkeys((t.lower, *t.lemmas)):  # in a fixed order: output must not vary by run
            for rule in lex.by_first.get(lemma, ()):
                for word in rule.words:
                    if word[0] != lemma:
                        continue
                    end = k + len(word) - 1
                    if end >= len(toks) or any(w not in sets[k + x] for x, w in enumerate(word[1:], 1)):
                        continue
                    if _fires(toks, sets, clause, k, end, rule, lex, muted_from, muted_to) and (k, end, rule) not in out:
                        out.append((k, end, rule))
    # "zaapelował o pomoc", "called on them to stop the attacks", "um Unterstützung gebeten": what is
    # requested has not happened; "accused of an attack": the accusation is the event of the sentence
    requests = [k for k, _, r in out if r.type == "REQUEST"]
    # "rejected the talks", "threatened sanctions", "agreed to a ceasefire", "condemned the attack":
    # the word right after a verb of saying is what is said, not an event of its own
    sayings = [(k, e, r.type) for k, e, r in out if r.type in SAYING and not _noun_trigger(toks[k])]

    def content(k: int, r: TriggerRule) -> bool:
        # what follows a request is asked for; in German what is asked for also stands before the
        # verb at the clause end ("um Unterstützung gebeten")
        if r.type != "REQUEST" and any((q < k and clause[q] == clause[k]) or (lex.subject_first and 0 < q - k <= 3)
                                       for q in requests):
            return True
        return any(0 < k - e <= 4 and r.type != t and r.type not in SAYING and clause[k] == clause[q]
                   for q, e, t in sayings)
    return [(k, e, r) for k, e, r in out if not content(k, r)]


# types whose verbs take another event as their content
SAYING = frozenset({"REQUEST", "ACCUSE", "REJECT", "AGREE", "THREATEN", "SUPPORT"})


def _noun_trigger(tok) -> bool:
    """A trigger word that is a noun ("agreement", "threat") takes no content."""
    return any(tag.startswith(("subst", "NOUN", "noun")) for tag in tok.tags)


def _fires(toks, sets, clause, k, end, rule: TriggerRule, lex: Lexicon, muted_from: int,
           muted_to: int | None = None) -> bool:
    if muted_from < k < (len(toks) if muted_to is None else muted_to):
        return False
    if k > 0 and lex.lang != "de" and toks[k].text[:1].isupper() and toks[k - 1].text not in OPENING:
        return False  # "Solidarność", "the Accord party": a capitalised word inside a sentence is a name
    if k > 0 and rule.not_after and sets[k - 1] & rule.not_after:
        return False  # "supporters of the accused": the word is a noun here
    lo, hi = max(0, k - WINDOW), min(len(toks), end + WINDOW + 1)
    around = set().union(*(sets[x] for x in range(lo, hi) if not k <= x <= end)) if hi > lo else set()
    if rule.near and not (rule.near & around):
        return False
    if rule.not_near and rule.not_near & around:
        return False
    if rule.noun and not _occurs(toks, sets, k, end, rule, lex, lo, hi):
        return False  # "the sanctions remain", "in the talks on Brexit": the kind of act, not an act
    tok = toks[k]
    if tok.tags:
        matching = [tag.removeprefix("prop:") for lem, tag in zip(tok.lemmas, tok.tags) if lem in {w[0] for w in rule.words}]
        if matching and lex.skip_tags and all(tag.startswith(lex.skip_tags) for tag in matching):
            return False
        # a passive participle of violence or arrest with no auxiliary just before or after it is
        # a tally ("co do zabitych", "25 zatrzymanych"), not a verb ("zostało zatrzymanych")
        if rule.type in ("ASSAULT", "COERCE") and matching and all(tag.startswith("ppas") for tag in matching) and not any(
                sets[x] & lex.passive_aux for x in [*range(max(0, k - 3), k), k + 1] if x < len(toks)):
            return False
    if lex.negation_scope == "clause":
        scope = [x for x in range(len(toks)) if clause[x] == clause[k] and not k <= x <= end]
    else:
        scope = range(max(0, k - NEGATION_REACH), k)
    negated = any(sets[x] & lex.negation and clause[x] == clause[k] for x in scope)
    if rule.negated != negated:
        return False
    if any(sets[x] & lex.participant_nouns for x in range(max(0, k - 2), k)):
        return False
    # "would consider lifting the curfew if ...": the condition governs what follows it in its
    # clause ("arrested him before he could flee" keeps the arrest); in German, where the modal
    # closes the clause ("..., dass Russland angreifen könnte"), the whole clause
    reach = len(toks) if lex.negation_scope == "clause" else k
    if any(sets[x] & lex.hypothetical and clause[x] == clause[k] for x in range(0, reach) if not k <= x <= end):
        return False
    return True


def _occurs(toks, sets, k: int, end: int, rule: TriggerRule, lex: Lexicon, lo: int, hi: int) -> bool:
    """A noun trigger reports an act when a verb near it makes the act happen ("imposed sanctions",
    "talks were held"); a meeting also when it has its parties ("talks with Ukraine", "the meeting
    between Macron and May") or is told as past ("after the meeting")."""
    if any(sets[x] & lex.light_verbs for x in range(lo, hi) if not k <= x <= end):
        return True
    if rule.type != "CONSULT":
        return False
    if any(sets[x] & lex.after_words for x in range(max(0, k - 2), k)):
        return True
    nxt = toks[end + 1:end + 4]
    if nxt and nxt[0].text[:1].isupper() and nxt[0].text[:1].isalpha():
        return True  # "переговорів РФ, ЄС та України", "spotkanie Dudy"
    return any(lex.prepositions.get(t.lower) == "partner" and any(u.text[:1].isupper() for u in nxt[i + 1:i + 3])
               for i, t in enumerate(nxt[:2]))


def _actor(unit: Unit, sent: Sentence, fallback_code: str | None, main: str | None = None) -> Actor:
    """An actor from a unit. A person the tables do not know is taken to be of the country the
    article is about; a nameless group ("police") of the country where the event happened."""
    if unit.code is None and main and any(m.kind == "PER" for m in unit.mentions):
        fallback_code = main
    return Actor(unit.text(sent), unit.name, unit.code or fallback_code, unit.sector or "UNK")


def _is_press(u: Unit) -> bool:
    return any(m.source_kind == "agency" or m.sector == "JRN" for m in u.mentions)


def _syntactic_roles(parse: Parse, units: list[Unit], k: int) -> tuple[Unit | None, Unit | None, bool]:
    """(subject unit, object unit, passive) of the predicate a trigger at token k belongs to: the
    trigger itself, or the verb it is the object or complement of ("ввести санкции", "призвала
    ввести санкции")."""
    def unit_of(i: int) -> Unit | None:
        """The unit holding token i, else the nearest unit in its phrase ("обвинения Лондона")."""
        u = next((u for u in units if u.first <= i <= u.last), None)
        if u is not None:
            return u
        best = None
        for u in units:
            j, hops = u.first, 0
            while j is not None and j != i and hops < 3:
                j, hops = parse.heads[j], hops + 1
            if j == i and (best is None or hops < best[0]):
                best = (hops, u)
        return best[1] if best else None

    pred = k
    for _ in range(3):
        subj = parse.dependents(pred, ("nsubj", "nsubj:pass"))
        if subj or parse.heads[pred] is None or parse.rels[pred] not in ("obj", "xcomp", "nmod", "obl"):
            break
        pred = parse.heads[pred]
    subj = parse.dependents(pred, ("nsubj", "nsubj:pass"))
    obj = parse.dependents(pred, ("obj", "iobj"))
    passive = bool(subj) and parse.rels[subj[0]] == "nsubj:pass"
    return (unit_of(subj[0]) if subj else None), (unit_of(obj[0]) if obj else None), passive


def _pick_roles(sent: Sentence, units: list[Unit], k: int, rule: TriggerRule, lex: Lexicon, clause: list[int],
                parse: Parse | None = None):
    """(actor unit, recipient unit) for a trigger at token k, from the dependency parse where the
    language has one, else (and where it names nobody) from case, prepositions and position."""
    actor, recipient = _pick_by_case(sent, units, k, rule, lex, clause)
    if parse is None:
        return actor, recipient
    subj, obj, passive = _syntactic_roles(parse, units, k)
    if passive:
        subj, obj = None, subj
    if subj is not None and subj.can_act and subj.role is None:
        actor = subj
        if recipient is subj:
            recipient = None
    if obj is not None and obj is not actor:
        recipient = obj
    return actor, recipient


def _pick_by_case(sent: Sentence, units: list[Unit], k: int, rule: TriggerRule, lex: Lexicon, clause: list[int]):
    """(actor unit, recipient unit) for a trigger at token k, from case, prepositions and position."""
    toks = sent.tokens
    tok = toks[k]
    agents = [u for u in units if u.can_act]
    same = [u for u in agents if clause[u.first] == clause[k]]
    passive = any(tag.removeprefix("prop:").startswith(("ppas", "PRTS")) for tag in tok.tags[:1]) or \
        any(toks[x].forms & lex.passive_aux for x in range(max(0, k - 3), min(len(toks), k + 3)) if x != k) and \
        any("ppas" in tag or "PRTS" in tag for tag in tok.tags)
    nominal = any(tag.removeprefix("prop:").startswith(("subst", "ger", "NOUN")) for tag in tok.tags[:1])
    if not any(tok.tags) and not passive:
        # no tags to read voice from (English, German): an auxiliary of the passive shortly before a
        # participle ("were detained", "wurden ... festgenommen")
        participle = tok.lower.endswith(("ed", "en", "wn", "t")) or (lex.lang == "de" and tok.lower.startswith("ge")) \
            or (lex.lang in ("es", "it", "pt") and tok.lower.endswith(("ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas")))
        reach = 8 if lex.subject_first else 3
        passive = participle and any(toks[x].forms & lex.passive_aux and clause[x] == clause[k]
                                     for x in range(max(0, k - reach), k))

    def nominative(u: Unit) -> bool:
        return u.role is None and (not u.cases or "nom" in u.cases or u.quantified)

    actor = recipient = None
    if rule.type == "AID" and rule.near:
        # "troops of X", "wojsk białoruskich": the owner of the forces sends them, and the forces
        # themselves are neither actor nor recipient
        themes = [u for u in same if is_theme(u, sent, rule.near) or
                  any(toks[x].forms & rule.near for x in range(max(0, u.first - 2), u.first))]
        owner = next((u for u in themes if u.code and u.role is None), None)
        actor = owner
        same = [u for u in same if u not in themes or u is owner]
    if passive:
        agent = next((u for u in same if (u.prep in lex.passive_agent) or ("inst" in u.cases and u.role is None)), None)
        actor = actor or agent
        recipient = next((u for u in same if nominative(u) and u is not actor), None)
    if nominal and actor is None:
        gen = next((u for u in same if u.first == k + 1 and "gen" in u.cases and u.role is None), None)
        if gen is not None:
            if rule.gen == "actor":
                actor = gen
            else:
                recipient = gen
    if actor is None and not passive:
        cands = [u for u in same if nominative(u) and u is not recipient]
        if lex.subject_first and not any(tok.tags):
            # verb-second languages put the finite verb second and the participle last ("Die Polizei
            # hat ... 40 Demonstranten festgenommen"): the subject opens the clause
            cands.sort(key=lambda u: (u.first > k, u.first))
        else:
            cands.sort(key=lambda u: (u.first > k, abs(u.first - k)))
        if cands:
            actor = cands[0]
    if recipient is None:
        rec = [u for u in same if u is not actor and (u.role in ("recipient", "partner") or
                                                     (u.role is None and u.first > k and u.cases & {"acc", "dat"} and not nominative(u)) or
                                                     (u.role is None and not u.cases and u.first > k and actor is not None))]
        if not rec:
            rec = [u for u in agents if u is not actor and u.role == "partner" and rule.type in ("CONSULT", "COOPERATE", "AGREE")]
        rec.sort(key=lambda u: abs(u.first - k))
        if rec:
            recipient = rec[0]
    return actor, recipient


PHYSICAL = {"ASSAULT", "PROTEST", "COERCE", "MOBILIZE"}
AWAY = {"ASSAULT", "AID", "MOBILIZE"}  # often done elsewhere than the actor's country
ADDRESSED = {"ACCUSE", "REJECT", "REQUEST", "THREATEN", "SUPPORT", "CONCEDE", "AGREE", "CONSULT"}  # said to someone


def _place_in(sent: Sentence, units: list[Unit], clause: list[int], k: int, actor: Unit | None,
              etype: str) -> tuple[Place | None, str | None]:
    """The place named in the trigger's clause (any clause, for physical events); a country or
    city inside an actor's phrase ("Premier Armenii") is not where the event happened, a capital
    that acts for its state ("Moscow rejected") is."""
    cands = [m for u in units if (u is not actor or u.only_place) and (u.only_place or u.role == "location")
             and (etype in PHYSICAL or u.role == "location" or u.prep is not None
                  or any(m.place is not None and m.place.resolution != "country" for m in u.mentions))
             for m in u.mentions if m.kind == "LOC" and m.place is not None]
    if not cands:
        return None, None
    near = [m for m in cands if clause[m.first_token] == clause[k]] or (cands if etype in PHYSICAL else [])
    if not near:
        return None, None
    place = best_place([m.place for m in near])
    m = next(m for m in near if m.place is place)
    return place, m.text


def _date_in(dates: list[DateRef], sent: Sentence, k: int) -> DateRef | None:
    if not dates:
        return None
    pos = sent.tokens[k].start
    return min(dates, key=lambda d: (len(d.value) != 10, abs(d.start - pos)))


def extract_events(doc: Doc, index: NameIndex, units_per_sentence: list[list[Unit]]) -> list[Event]:
    """Every event mention of the document, one per type and sentence, with its arguments."""
    events: list[Event] = []
    prev_actor: tuple[int, Actor] | None = None
    triggers: list[list[tuple[int, int, TriggerRule]]] = []
    for sent in doc.sentences:
        lex = load_lexicon(sent.lang)
        triggers.append(find_triggers(sent, lex) if lex is not None and sent.tokens else [])
    # dependency parses, in one batch, of the sentences with a trigger, where the language has a parser
    parses = parse_sentences([s for s, t in zip(doc.sentences, triggers) if t])
    for si, sent in enumerate(doc.sentences):
        if not triggers[si]:
            continue
        lex = load_lexicon(sent.lang)
        units = units_per_sentence[si]
        clause = clause_bounds(sent, lex)
        seen: dict[str, Event] = {}
        parse = parses.get(id(sent))
        for k, end, rule in triggers[si]:
            if rule.type in seen:
                ev = seen[rule.type]
                if ev.mode is None and rule.mode is not None:
                    ev.mode = rule.mode
                continue
            actor_u, rec_u = _pick_roles(sent, units, k, rule, lex, clause, parse)
            if rule.type == "CONSULT" and any(_is_press(u) for u in (actor_u, rec_u) if u is not None):
                continue  # "a witness PAP talked to", "told reporters": reporting, not consultation
            speaker = doc.speakers[si] if si < len(doc.speakers) else None
            if speaker is not None and first_person(sent.tokens[k].tags):
                # "Wzywamy władze Gruzji ...", said X: "we" is the speaker
                if rec_u is None and actor_u is not None:
                    rec_u = actor_u
                actor_u = None
            place, place_text = _place_in(sent, units, clause, k, actor_u, rule.type)
            trig = Trigger(sent.tokens[k].start, sent.tokens[end].end,
                           doc.article.body[sent.tokens[k].start:sent.tokens[end].end])
            ev = Event(doc.article.doc_id, rule.type, rule.mode, sent, trig, sent.lang, context=list(rule.context),
                       home=rule.home)
            ev.location, ev.location_text = place, place_text
            ctx_code = _country_code(place, index) or doc.main_country
            if actor_u is not None:
                ev.actor = _actor(actor_u, sent, ctx_code, doc.main_country)
            elif speaker is not None and first_person(sent.tokens[k].tags):
                ev.actor = speaker
            if rec_u is not None:
                ev.recipient = _actor(rec_u, sent, ctx_code, doc.main_country)
            elif rule.gen == "recipient" or rule.type in ("COERCE", "ASSAULT", "REQUEST"):
                pron = next((t for t in sent.tokens[max(0, k - 3):k + 6] if t.lower in lex.object_pronouns), None)
                if pron is not None and prev_actor is not None and prev_actor[0] == sent.paragraph:
                    ev.recipient = Actor(pron.text, prev_actor[1].name, prev_actor[1].code, prev_actor[1].sector)
                elif pron is not None and ctx_code:
                    ev.recipient = Actor(pron.text, "unknown", ctx_code, "UNK")
            d = _date_in(doc.dates[si], sent, k)
            if d is not None:
                ev.date, ev.date_text, ev.time = d.value, d.text, time_span(d, doc.article.date)
            ev.source = doc.sources[si] if si < len(doc.sources) else None
            seen[rule.type] = ev
            events.append(ev)
        for ev in seen.values():
            if ev.actor is not None and ev.actor.code:
                prev_actor = (sent.paragraph, ev.actor)
    return events


def _country_code(place: Place | None, index: NameIndex) -> str | None:
    return index.alpha3.get(place.country) if place is not None and place.country else None


class _Nearest:
    """Items (sentence index, paragraph, value) in sentence order, looked up by sentence: built once
    per article, each lookup a binary search, so an article's time grows with its length, not its
    square. The pipeline's sentences go in body order, so paragraphs never decrease along them."""

    def __init__(self, items: list[tuple[int, int, object]]):
        self.items = items
        self.sis = [x[0] for x in items]
        self.by_para: dict[int, list[tuple[int, int, object]]] = {}
        for x in items:
            self.by_para.setdefault(x[1], []).append(x)
        self.para_sis = {p: [x[0] for x in xs] for p, xs in self.by_para.items()}

    def before(self, si: int, para: int) -> object | None:
        """The last item before sentence `si` in its paragraph."""
        k = bisect_left(self.para_sis.get(para, ()), si)
        return self.by_para[para][k - 1][2] if k else None

    def nearest(self, si: int, para: int, back: int) -> object | None:
        """The item nearest before `si` in its paragraph, else after it in the paragraph, else the
        last one in the `back` paragraphs before."""
        found = self.before(si, para)
        if found is not None:
            return found
        sis = self.para_sis.get(para, ())
        k = bisect_right(sis, si)
        if k < len(sis):
            return self.by_para[para][k][2]
        j = bisect_left(self.sis, si) - 1  # the last item of an earlier sentence, in the latest paragraph
        return self.items[j][2] if j >= 0 and para - self.items[j][1] <= back else None


def complete(doc: Doc, events: list[Event], index: NameIndex, units_per_sentence: list[list[Unit]]) -> None:
    """Fill what a sentence leaves open from its context: place, date, actor, recipient, codes."""
    sents = doc.sentences
    cities = _Nearest([(si, s.paragraph, p) for si, s in enumerate(sents) if not s.heading
                       for p in [best_place([m.place for m in doc.mentions[si] if m.kind == "LOC" and m.place])]
                       if p is not None and p.resolution in ("city", "place", "admin1")])
    days = _Nearest([(si, s.paragraph, d) for si, s in enumerate(sents) for d in doc.dates[si] if len(d.value) == 10])
    position = {s.start: si for si, s in enumerate(sents)}  # a sentence's index, without a search per event
    last_event: dict[int, Event] = {}  # per paragraph, the event completed last
    last_place: dict[int, Place] = {}  # per paragraph, the place of the last event that has one
    for ev in events:
        si = position[ev.sentence.start]
        para = ev.sentence.paragraph
        if ev.location is None and para in last_event:
            # events told in one paragraph happen in one place unless it says otherwise
            ev.location = last_place.get(para)
        if ev.location is None:
            ev.location = cities.nearest(si, para, 3 if ev.event_type in PHYSICAL else 0)
        if ev.location is None and doc.dateline is not None and (ev.event_type in PHYSICAL or para <= 1):
            ev.location = doc.dateline
        if ev.date is None:
            # with a dated article, an undated sentence is of that day, unless it goes on telling a
            # physical event of its paragraph; with only a month known, the story's last day holds
            full = bool(doc.article.date and len(doc.article.date) == 10)
            d = None
            if not full:
                d = days.nearest(si, para, 10**6)
            elif ev.event_type in PHYSICAL:
                d = days.before(si, para)
            if d is not None:
                ev.date, ev.date_text = d.value, d.text
            elif doc.article.date:
                ev.date = doc.article.date
            ev.time = time_span(d, doc.article.date)
        ctx = _country_code(ev.location, index) or doc.main_country
        if ev.actor is None:
            lex = load_lexicon(ev.language)
            units = units_per_sentence[si]
            k = next(i for i, t in enumerate(ev.sentence.tokens) if t.start == ev.trigger.start)
            clause = clause_bounds(ev.sentence, lex)
            rel = next((x for x in range(k - 1, -1, -1) if clause[x] == clause[k] and
                        ev.sentence.tokens[x].forms & lex.relative_pronouns), None)
            if rel is not None:
                prior = [u for u in units if u.last < rel and u.can_act and u.role is None]
                if prior:
                    ev.actor = _actor(prior[-1], ev.sentence, ctx)
            if ev.actor is None and doc.speakers and doc.speakers[si] is not None and ev.event_type not in PHYSICAL:
                ev.actor = doc.speakers[si]
            if ev.actor is None and para in last_event and not ev.sentence.heading:
                prev = last_event[para]
                if prev.actor is not None and prev.sentence is not ev.sentence and _finite(ev.sentence.tokens, k, lex):
                    ev.actor = prev.actor
            if ev.actor is None and ev.event_type == "PROTEST" and ctx:
                ev.actor = Actor("", "protesters", ctx, "OPP")
        for role in ("actor", "recipient"):
            a = getattr(ev, role)
            if a is not None and a.code is None and ctx:
                setattr(ev, role, Actor(a.text, a.name, ctx, a.sector))
        if ev.recipient is None and ev.actor is not None and ev.event_type in ADDRESSED:
            # "X accused Y. Y rejected it": the party the paragraph's last event was between,
            # other than this actor, is whom a statement answers
            prev = last_event.get(para) or last_event.get(para - 1)
            if prev is not None:
                other = next((a for a in (prev.actor, prev.recipient) if a is not None and a.code
                              and a.code != ev.actor.code), None)
                if other is not None:
                    ev.recipient = other
        if ev.recipient is None and ctx and ev.location is not None:
            # unnamed targets: a protest addresses the state where it happens; violence and
            # arrests there fall on its people
            if ev.event_type == "PROTEST":
                ev.recipient = Actor("", "government", ctx, "GOV")
            elif ev.event_type in ("ASSAULT", "COERCE") and not (ev.actor and ev.actor.code == ctx and ev.actor.sector in ("OPP", "CRM", "REB", "CVL")):
                ev.recipient = Actor("", "civilians", ctx, "CVL")
        # sending forces abroad is AID; to one's own country, MOBILIZE
        dest = _country_code(ev.location, index) if ev.location and ev.location.resolution == "country" else None
        if ev.home and dest and ev.actor is not None and dest == ev.actor.code:
            ev.event_type, ev.mode = ev.home, None
        elif ev.event_type == "AID":
            if ev.recipient is None and dest and ev.actor is not None and dest != ev.actor.code:
                ev.recipient = Actor(ev.location_text or ev.location.name, ev.location.name, dest, "GOV")
        last_event[para] = ev
        if ev.location is not None:
            last_place[para] = ev.location
        elif ev.actor is not None and ev.event_type not in AWAY:
            # nothing says where: a state's, its officials' or its people's act is placed in their
            # country, at country precision ("British ministers resigned")
            ev.location = index.country_place(ev.actor.code)


def _finite(toks, k: int, lex: Lexicon) -> bool:
    """True when the clause of the trigger has a finite verb without a named subject (pro-drop)."""
    return any(any(tag.removeprefix("prop:").startswith(("fin", "praet", "VERB")) for tag in t.tags[:1]) for t in toks[max(0, k - 3):k + 1])


NAMED_KINDS = frozenset({"PER", "ORG", "LOC", "EVT", "PRO"})


def name_events(doc: Doc) -> None:
    """Give each event the language-independent keys of the names in its sentences (people,
    organisations, places below a country, events, products) and the numbers they give (of two digits or more,
    years left out): what reports of one happening in any language share ("61 Canadians", "Kamala
    Harris"), which clustering compares."""
    position = {s.start: si for si, s in enumerate(doc.sentences)}
    for ev in doc.events:
        keys: set[str] = set()
        for sent in [ev.sentence, *(m.sentence for m in ev.mentions)]:
            si = position.get(sent.start)
            if si is None:
                continue
            lang = doc.sentences[si].lang
            keys.update(name_key(m.key, lang) for m in doc.mentions[si] if m.kind in NAMED_KINDS and m.key
                        and not (m.place is not None and m.place.resolution == "country"))  # "Tokajew" = "Токаев"
            keys.update("#" + t.text for t in sent.tokens
                        if t.text.isdigit() and len(t.text) >= 2 and not (len(t.text) == 4 and t.text[:2] in ("19", "20")))
        ev.names = tuple(sorted(keys))
