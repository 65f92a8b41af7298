"""The `kronika` command line: thin commands over plain functions."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from typing import List, Optional

import typer

from .version import __version__
from .errors import KronikaError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Verifiable PLOVER event records from news articles in many languages.")
# exit codes: 0 done; 1 done, but some inputs failed (each named on standard error); 2 a usage error
# (a bad option value, a store that cannot be opened); 3 an internal error (a bug: please report it)
EXIT_INPUTS_FAILED, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


def run() -> None:
    """The `kronika` command: an unexpected exception is one line and exit code 3, not a traceback
    (-vv shows the traceback)."""
    try:
        app(prog_name="kronika")
    except KeyboardInterrupt:
        typer.echo("kronika: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # anything the commands did not turn into a message is a bug
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            import traceback

            traceback.print_exc()
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        typer.echo(f"kronika: internal error: {type(exc).__name__}: {first} (please report it; -vv shows where)",
                   err=True)
        sys.exit(EXIT_INTERNAL)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kronika {__version__}")
        raise typer.Exit()


class _Formatter(logging.Formatter):
    """kronika's own messages as `kronika: error: ...`; other libraries' with their logger's name."""

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        head = "kronika: " if record.name.split(".")[0] == "kronika" else f"{record.name}: "
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        line = f"{head}{level}{msg}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


@app.callback()
def main(verbose: int = typer.Option(0, "--verbose", "-v", count=True,
                                  help="-v: kronika's debug messages (each article's notices); -vv: every library's."),
         version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version.")):
    """kronika turns news articles into event records: who did what to whom, where, when, says who."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    logging.getLogger("kronika").setLevel(logging.DEBUG if verbose else logging.INFO)


def _fail(exc: Exception | str, code: int = 2):
    """One line on standard error, then exit."""
    typer.echo(f"kronika: {exc}", err=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def _progress(verb: str):
    """A progress line with articles/s on an interactive terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(verb, total=None)
        start = time.perf_counter()

        def advance(stats) -> None:
            rate = stats.articles / max(time.perf_counter() - start, 1e-6)
            events = f"{stats.events} events, " if hasattr(stats, "events") else ""
            bar.update(task, description=f"{verb}: {stats.articles} articles, {events}{rate:.1f} articles/s")
        yield advance


def _executor(workers: int, scheduler: Optional[str], work_dir: Optional[str], shard_size: int):
    if workers or scheduler:
        from .scale import DaskExecutor

        work_dir = work_dir or "kronika-shards"
        if os.path.exists(work_dir) and not os.path.isdir(work_dir):
            _fail(f"--work-dir {work_dir}: not a folder; give a folder for the workers' shards")
        return DaskExecutor(work_dir, workers=workers or 2, scheduler=scheduler, shard_size=shard_size)
    from .batch import LocalExecutor

    return LocalExecutor()


def _report_end(stats) -> None:
    for line in stats.warning_lines():
        typer.echo(f"kronika: warning: {line}", err=True)


_WORKERS_HELP = "Run on this many local Dask worker processes (shards in --work-dir; a rerun resumes)."
_SCHEDULER_HELP = "Run on an existing Dask cluster (tcp://host:8786); --work-dir must be storage the workers share."
_WORK_DIR_HELP = "Where Dask workers put their shards (default ./kronika-shards); a rerun skips finished shards."


@app.command()
def extract(paths: List[str] = typer.Argument(..., help="Article files, directories, JSON Lines, HTML, feeds, WARC, or - for stdin."),
            fmt: Optional[str] = typer.Option(None, "--format", "-f", help="jsonl, json, csv, geojson, parquet or "
                                              "table (default: table on a terminal, else jsonl)."),
            output: Optional[str] = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
            max_bytes: int = typer.Option(20_000_000, "--max-bytes", help="Reject input files larger than this."),
            workers: int = typer.Option(0, "--workers", help=_WORKERS_HELP),
            scheduler: Optional[str] = typer.Option(None, "--scheduler", help=_SCHEDULER_HELP),
            work_dir: Optional[str] = typer.Option(None, "--work-dir", help=_WORK_DIR_HELP),
            shard_size: int = typer.Option(200, "--shard-size", help="JSON Lines records (or files / 4) per shard.")):
    """Extract the events that articles report, each with its evidence sentence."""
    from .batch import WriterSink
    from .output import Writer, check_format

    fmt = fmt or ("table" if not output and sys.stdout.isatty() else "jsonl")
    try:
        check_format(fmt, to_file=bool(output))
    except KronikaError as exc:
        _fail(exc)
    executor = _executor(workers, scheduler, work_dir, shard_size)
    out = output if fmt == "parquet" else open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with _progress("extracting") as progress:
            stats = executor.run(list(paths), WriterSink(Writer(out, fmt)), max_bytes=max_bytes, progress=progress)
    finally:
        if output and fmt != "parquet":
            out.close()
    _report_end(stats)
    typer.echo(f"kronika: {stats.articles} articles, {stats.events} events, {stats.failed} failed inputs", err=True)
    raise typer.Exit(1 if stats.failed else 0)


@app.command()
def lemmas(words: List[str] = typer.Argument(..., help="Word forms to analyse."),
           lang: str = typer.Option("pl", "--lang", help="Language code.")):
    """Show the lemmas and tags kronika's morphology gives (for writing lexicons)."""
    from .morph import Morphology

    m = Morphology()
    for w in words:
        ls, ts = m.analyse(w, lang)
        typer.echo(f"{w}\t" + "  ".join(f"{lemma}[{tag}]" for lemma, tag in zip(ls, ts)))


@app.command("check-data")
def check_data():
    """Load and validate every bundled lexicon and data file."""
    from .lexicon import available_languages, load_lexicon

    for lang in available_languages():
        lex = load_lexicon(lang)
        typer.echo(f"{lang}: {len(lex.triggers)} trigger rules")


@app.command()
def entities(paths: List[str] = typer.Argument(..., help="Article files, directories, JSON Lines, HTML, or - for stdin."),
             fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl or table."),
             max_bytes: int = typer.Option(20_000_000, "--max-bytes", help="Reject input files larger than this.")):
    """List the named entities of articles: type, base form and a cross-language identity."""
    import json
    from dataclasses import asdict

    from .errors import InputError
    from .readers import read_inputs
    from .ner import Recogniser
    from .pipeline import Pipeline

    pipeline = Pipeline.default()
    rec = Recogniser(pipeline.index, pipeline.morph)
    rows, failed = [], 0
    for item in read_inputs(paths, max_bytes=max_bytes):
        if isinstance(item, InputError):
            failed += 1
            typer.echo(f"kronika: error: {item}", err=True)
            continue
        for ne in rec.entities(pipeline.process(item, until="phrases")):
            if fmt == "jsonl":
                typer.echo(json.dumps(asdict(ne), ensure_ascii=False))
            else:
                rows.append(ne)
    if fmt == "table":
        from rich.console import Console
        from rich.table import Table

        t = Table()
        for col in ("doc", "type", "text", "base", "key"):
            t.add_column(col)
        for ne in rows:
            t.add_row(ne.doc_id, ne.type, ne.text, ne.base, ne.key)
        Console().print(t)
    raise typer.Exit(1 if failed else 0)


eval_app = typer.Typer(help="Score kronika on public gold sets.", no_args_is_help=True)


def _write_metrics(metrics: dict, output: Optional[str]) -> None:
    """The full metrics as JSON into `output`, when one is given."""
    import json

    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
app.add_typer(eval_app, name="eval")


@eval_app.command("entities")
def eval_entities(benchmark: str = typer.Option("slavicner", "--benchmark", help="Only slavicner for now."),
                  split: str = typer.Option("dev", "--split", help="dev (topics other than us_election_2020) or test."),
                  lang: Optional[List[str]] = typer.Option(None, "--lang", help="Languages (repeat); default all."),
                  benchmarks: Optional[str] = typer.Option(None, "--benchmarks", help="Path of the slavicner folder."),
                  limit: int = typer.Option(0, "--limit", help="Score only the first N documents."),
                  output: Optional[str] = typer.Option(None, "--output", "-o", help="Write metrics JSON here.")):
    """Mention F1 (partial, exact) by type and language, base-form accuracy, linking agreement."""

    from .eval.entities import evaluate_entities

    if benchmark != "slavicner":
        typer.echo(f"kronika: unknown benchmark {benchmark!r}; use slavicner", err=True)
        raise typer.Exit(2)
    try:
        metrics = evaluate_entities(split, lang or None, benchmarks, limit)
    except FileNotFoundError as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    _write_metrics(metrics, output)
    o = metrics["overall"]
    typer.echo(f"partial F1 {o['partial']['ALL']['f1']:.3f}  exact F1 {o['exact']['ALL']['f1']:.3f}  "
               f"base accuracy {metrics['base_accuracy']['accuracy']:.3f}  linking F1 {metrics['linking']['f1']:.3f}")
    for lg, m in sorted(metrics["by_lang"].items()):
        per = "  ".join(f"{t} {m['partial'][t]['f1']:.2f}" for t in ("PER", "LOC", "ORG", "EVT", "PRO") if t in m["partial"])
        typer.echo(f"  {lg}: partial F1 {m['partial']['ALL']['f1']:.3f} ({per})")


@app.command()
def geoparse(paths: List[str] = typer.Argument(..., help="Article files, directories, JSON Lines, HTML, or - for stdin."),
             fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, geojson or table."),
             output: Optional[str] = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
             max_bytes: int = typer.Option(20_000_000, "--max-bytes", help="Reject input files larger than this.")):
    """Every toponym of articles resolved to a GeoNames place (unresolved ones listed with a reason)."""
    import json

    from .errors import InputError
    from .geoparse import geoparse as toponyms
    from .readers import read_inputs
    from .pipeline import Pipeline

    pipeline = Pipeline.default()
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    rows, failed, n = [], 0, 0
    try:
        for item in read_inputs(paths, max_bytes=max_bytes):
            if isinstance(item, InputError):
                failed += 1
                typer.echo(f"kronika: error: {item}", err=True)
                continue
            for top in toponyms(pipeline, item):
                n += 1
                if fmt == "jsonl":
                    out.write(json.dumps(top.to_dict(), ensure_ascii=False) + "\n")
                else:
                    rows.append(top)
        if fmt == "geojson":
            feats = [{"type": "Feature", "properties": t.to_dict(),
                      "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]} if t.lat is not None else None}
                     for t in rows]
            json.dump({"type": "FeatureCollection", "features": feats}, out, ensure_ascii=False)
            out.write("\n")
        elif fmt == "table":
            from rich.console import Console
            from rich.table import Table

            t = Table()
            for col in ("doc", "text", "place", "country", "admin1", "feature", "lat", "lon", "score"):
                t.add_column(col)
            for r in rows:
                t.add_row(r.doc_id, r.text, r.name or f"- ({r.reason})", r.country or "", r.admin1 or "",
                          r.feature or "", f"{r.lat:.4f}" if r.lat is not None else "",
                          f"{r.lon:.4f}" if r.lon is not None else "", f"{r.score:.2f}")
            Console(file=out).print(t)
        elif fmt != "jsonl":
            typer.echo(f"kronika: unknown format {fmt!r}; use jsonl, geojson or table", err=True)
            raise typer.Exit(2)
    finally:
        if output:
            out.close()
    typer.echo(f"kronika: {n} toponyms, {failed} failed inputs", err=True)
    raise typer.Exit(1 if failed else 0)


@eval_app.command("geo")
def eval_geo(benchmark: str = typer.Option(..., "--benchmark", help="lgl, gwn, geovirus or trnews (the dev set)."),
             root: Optional[str] = typer.Option(None, "--root", help="Path of the geoparsing folder "
                                                "(default: $KRONIKA_BENCHMARKS/geoparsing or ../shared/benchmarks/geoparsing)."),
             limit: int = typer.Option(0, "--limit", help="Score only the first N documents."),
             output: Optional[str] = typer.Option(None, "--output", "-o", help="Write metrics JSON here.")):
    """Toponym recognition P/R/F1 and accuracy@161 km, end to end and on the recognised toponyms."""

    from .eval.geo import evaluate_geo

    try:
        metrics, _ = evaluate_geo(benchmark, root, limit)
    except KronikaError as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    _write_metrics(metrics, output)
    r = metrics["recognition"]
    typer.echo(f"{benchmark} ({metrics['benchmark']['part']}, {metrics['benchmark']['documents']} documents): "
               f"recognition P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}; "
               f"acc@161km {metrics['acc161_recognised']:.3f} on recognised, "
               f"{metrics['acc161_end_to_end']:.3f} end to end; median error {metrics['median_error_km']} km")


@eval_app.command("events")
def eval_events(gold: Optional[List[str]] = typer.Option(None, "--gold", help="Gold files (*.gold.jsonl; repeat)."),
                inputs: Optional[List[str]] = typer.Option(None, "--inputs", help="Articles to extract and score "
                                                          "(files or folders; repeat); default: the gold files' folder's articles."),
                predicted: Optional[str] = typer.Option(None, "--predicted", help="Score this JSON Lines file of "
                                                        "extracted events instead of running extraction."),
                benchmark: Optional[str] = typer.Option(None, "--benchmark", help="plover-gsr, petrarch2, case2021, "
                                                        "up-es-dev or up-es-test instead of gold files."),
                root: Optional[str] = typer.Option(None, "--root", help="The benchmarks folder (default: "
                                                   "$KRONIKA_BENCHMARKS or ../shared/benchmarks)."),
                limit: int = typer.Option(0, "--limit", help="Score only the first N benchmark items."),
                articles: Optional[str] = typer.Option(None, "--articles", help="A list of third-party articles "
                                                       "(tests/realnews/articles.tsv: ref, lang, split) whose gold "
                                                       "marks mentions by offsets; every listed article is scored."),
                split: str = typer.Option("all", "--split", help="With --articles: dev, test or all."),
                shared: Optional[str] = typer.Option(None, "--shared", help="With --articles: the shared folder "
                                                     "the references are under (default $KRONIKA_SHARED or ../shared)."),
                output: Optional[str] = typer.Option(None, "--output", "-o", help="Write metrics JSON here.")):
    """Event P/R/F1 by the spec's rules (per language, type and argument), or a public benchmark's metric."""

    from .eval import events as ev_metrics

    if benchmark:
        from .eval.eventbench import evaluate

        try:
            metrics, _ = evaluate(benchmark, root, limit)
        except KronikaError as exc:
            typer.echo(f"kronika: {exc}", err=True)
            raise typer.Exit(2)
        if "weighted_f1" in metrics:
            line = (f"{benchmark}: weighted F1 {metrics['weighted_f1']:.3f} over the 25 ACLED sub-types "
                    f"({metrics['snippets']} snippets, accuracy {metrics['accuracy']:.3f}, {metrics['no_label']} without a label)")
        else:
            line = (f"{benchmark}: gold type found in {metrics['gold_type_found']:.3f} of sentences, "
                    f"{metrics['extra_events_per_sentence']:.2f} extra events per sentence ({metrics['sentences']} sentences)")
    else:
        if not gold:
            typer.echo("kronika: give --gold FILES or --benchmark NAME", err=True)
            raise typer.Exit(2)
        try:
            gold_rows = ev_metrics.read_jsonl(gold)
        except (OSError, ValueError) as exc:
            typer.echo(f"kronika: {exc}", err=True)
            raise typer.Exit(2)
        listed = None
        if articles:
            from .eval.realnews import read_list

            try:
                listed = {a.ref: a.lang for a in read_list(articles, split)}
            except (OSError, KronikaError) as exc:
                typer.echo(f"kronika: {exc}", err=True)
                raise typer.Exit(2)
        if predicted:
            pred_rows = ev_metrics.read_jsonl([predicted])
        elif listed is not None:
            from .eval.realnews import article_body
            from .pipeline import Pipeline

            pipeline = Pipeline.default()
            pred_rows = []
            for ref in listed:
                try:
                    pred_rows.extend(e.to_dict() for e in pipeline.process(article_body(ref, shared)).events)
                except KronikaError as exc:
                    typer.echo(f"kronika: error: {exc}", err=True)
        else:
            from .readers import read_inputs
            from .pipeline import Pipeline

            from pathlib import Path

            wanted = {str(g.get("doc")) for g in gold_rows}
            paths = inputs or sorted({str(Path(p).parent) for p in gold})
            pipeline = Pipeline.default()
            pred_rows = []
            for item in read_inputs(paths):
                if isinstance(item, Exception):
                    typer.echo(f"kronika: error: {item}", err=True)
                    continue
                if item.doc_id in wanted:
                    pred_rows.extend(e.to_dict() for e in pipeline.process(item).events)
        metrics = ev_metrics.score(gold_rows, pred_rows, listed)
        e = metrics["events"]
        line = (f"events: P {e['precision']:.3f} R {e['recall']:.3f} F1 {e['f1']:.3f} ({e['gold']} gold, {e['predicted']} predicted); "
                + ", ".join(f"{a} {v['accuracy']:.2f}" for a, v in metrics["arguments"].items() if v["accuracy"] is not None))
    _write_metrics(metrics, output)
    typer.echo(line)


@eval_app.command("clusters")
def eval_clusters(gold: List[str] = typer.Option(..., "--gold", help="Gold files whose events carry `xevent` ids (repeat)."),
                  articles: str = typer.Option(..., "--articles", help="The articles (tests/xevents/articles.tsv: ref, "
                                               "lang, split, date)."),
                  split: str = typer.Option("all", "--split", help="dev, test or all."),
                  shared: Optional[str] = typer.Option(None, "--shared", help="The shared folder the references are "
                                                       "under (default $KRONIKA_SHARED or ../shared)."),
                  db: Optional[str] = typer.Option(None, "--db", help="An empty store to fill (default: a temporary "
                                                   "SQLite file)."),
                  seed: Optional[int] = typer.Option(None, "--shuffle", help="Ingest in an order shuffled by this seed."),
                  output: Optional[str] = typer.Option(None, "--output", "-o", help="Write metrics JSON here.")):
    """Pairwise precision and recall of cross-article clusters: the listed articles are ingested into
    an empty store and each pair of matched events from different articles is counted."""
    import tempfile

    from .eval import events as ev_metrics
    from .eval.clusters import cluster_articles
    from .eval.realnews import read_list

    try:
        gold_rows = ev_metrics.read_jsonl(gold)
        listed = read_list(articles, split)
    except (OSError, ValueError, KronikaError) as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            metrics = cluster_articles(gold_rows, listed, db or f"sqlite:///{tmp}/eval.db", shared, seed)
        except KronikaError as exc:
            _fail(exc)
    _write_metrics(metrics, output)
    typer.echo(f"clusters: pairwise P {metrics['pairwise_precision']:.3f} R {metrics['pairwise_recall']:.3f} "
               f"F1 {metrics['f1']:.3f} ({metrics['gold_pairs']} gold pairs, {metrics['predicted_pairs']} predicted, "
               f"{metrics['matched_events']} events matched)")


@eval_app.command("agreement")
def eval_agreement(first: str = typer.Argument(..., help="One annotation (*.gold.jsonl)."),
                   second: str = typer.Argument(..., help="Another annotation of the same articles."),
                   articles: str = typer.Option(..., "--articles", help="The articles both annotated (TSV: ref, lang, split)."),
                   output: Optional[str] = typer.Option(None, "--output", "-o", help="Write metrics JSON here.")):
    """Event F1 between two annotators' gold for the same articles (inter-annotator agreement)."""
    from .eval import events as ev_metrics

    try:
        a, b = ev_metrics.read_jsonl([first]), ev_metrics.read_jsonl([second])
    except (OSError, ValueError) as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    from .eval.realnews import read_list

    try:
        docs = {x.ref for x in read_list(articles)}
    except (OSError, KronikaError) as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    metrics = ev_metrics.agreement([g for g in a if str(g.get("doc")) in docs], [g for g in b if str(g.get("doc")) in docs])
    _write_metrics(metrics, output)
    typer.echo(f"agreement: P {metrics['precision']:.3f} R {metrics['recall']:.3f} F1 {metrics['f1']:.3f} "
               f"({metrics['gold']} events in the first, {metrics['predicted']} in the second)")


_DB_HELP = "Store URL: a SQLite file path or sqlite:///PATH (default ./kronika.db or $KRONIKA_DB), or postgresql://USER@HOST/DB."


def _open_store(db: Optional[str], create: bool = False):
    """The store at `db`; read commands pass create=False and never make a database."""
    from .store import Store

    try:
        return Store(db, create=create)
    except KronikaError as exc:
        _fail(exc)


@app.command()
def ingest(paths: List[str] = typer.Argument(..., help="Article files, directories, JSON Lines, HTML, feeds, WARC, or -."),
           db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
           max_bytes: int = typer.Option(20_000_000, "--max-bytes", help="Reject input files larger than this."),
           workers: int = typer.Option(0, "--workers", help=_WORKERS_HELP),
           scheduler: Optional[str] = typer.Option(None, "--scheduler", help=_SCHEDULER_HELP),
           work_dir: Optional[str] = typer.Option(None, "--work-dir", help=_WORK_DIR_HELP),
           shard_size: int = typer.Option(200, "--shard-size", help="JSON Lines records (or files / 4) per shard.")):
    """Extract events from articles into the store; articles stored before are skipped, so a rerun
    after a crash resumes."""
    from .batch import StoreSink

    store = _open_store(db, create=True)
    executor = _executor(workers, scheduler, work_dir, shard_size)
    with _progress("ingesting") as progress:
        stats = executor.run(list(paths), StoreSink(store), max_bytes=max_bytes, progress=progress)
    _report_end(stats)
    typer.echo(f"kronika: {stats.stored} articles stored, {stats.skipped} already stored, {stats.events} events, "
               f"{stats.failed} failed inputs", err=True)
    raise typer.Exit(1 if stats.failed else 0)


def _place_point(name: str) -> tuple[float, float] | None:
    """The point of the most populous place of that name (any of kronika's languages)."""
    from .api import default_pipeline
    from .entities import EntityFinder

    pipeline = default_pipeline()  # its dictionaries and name index, not a second copy
    finder = EntityFinder(pipeline.index, pipeline.morph)
    places = [p for lang in ("en", "pl", "ru", "de") for p in finder.places_for(name, lang) if p.lat is not None]
    if not places:
        return None
    best = max(places, key=lambda p: (p.resolution == "country", p.population))
    return (best.lat, best.lon)


# the filters' options, one declaration each for every command that takes them (events, stats, alert add)
_SINCE = typer.Option(None, "--since", help="First date, YYYY-MM-DD.")
_UNTIL = typer.Option(None, "--until", help="Last date, YYYY-MM-DD.")
_COUNTRY = typer.Option(None, "--country", help="ISO alpha-2 code of the event's place.")
_TYPE = typer.Option(None, "--type", help="PLOVER type, e.g. PROTEST.")
_ACTOR = typer.Option(None, "--actor", help="Actor code (RUS) or part of its name.")
_NEAR = typer.Option(None, "--near", help="A place name or LAT,LON.")
_TEXT = typer.Option(None, "--text", help="Words in the evidence sentence.")
_LANG = typer.Option(None, "--lang", help="Language of the report.")


def _filters(**values):
    from .filters import make_filters

    try:
        return make_filters(**values, resolve_place=_place_point)
    except KronikaError as exc:
        _fail(exc)


@app.command("events")
def events_cmd(db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
               since: Optional[str] = _SINCE,
               until: Optional[str] = _UNTIL,
               country: Optional[str] = _COUNTRY,
               event_type: Optional[str] = _TYPE,
               actor: Optional[str] = _ACTOR,
               near: Optional[str] = _NEAR,
               km: float = typer.Option(50.0, "--km", help="Radius for --near."),
               text: Optional[str] = _TEXT,
               lang: Optional[str] = _LANG,
               undated: bool = typer.Option(False, "--undated", help="Only events whose date kronika did not find."),
               added_since: Optional[str] = typer.Option(None, "--added-since", help="Only events of articles stored "
                                                         "after this time (ISO 8601, e.g. 2026-12-05T09:00:00Z)."),
               per: str = typer.Option("cluster", "--per", help="cluster (one row per real-world event), story "
                                       "(one row per unfolding situation: happenings reported together) or mention."),
               fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, json, csv, geojson, parquet or table."),
               output: Optional[str] = typer.Option(None, "--output", "-o", help="Write here (parquet needs it)."),
               limit: int = typer.Option(10_000, "--limit", min=1, help="At most this many rows.")):
    """Query the store: events or clusters that pass the filters."""
    from .filters import check_grouping
    from .output import Writer, check_format
    from .store import query_clusters, query_mentions, query_stories

    try:
        check_grouping(per)
        check_format(fmt, to_file=bool(output))
    except KronikaError as exc:
        _fail(exc)
    f = _filters(since=since, until=until, country=country, event_type=event_type, actor=actor, near=near, km=km,
                 text=text, lang=lang, undated=undated, added_since=added_since)
    store = _open_store(db)
    rows = {"cluster": query_clusters, "story": query_stories, "mention": query_mentions}[per](store, f, limit)
    out = output if fmt == "parquet" else open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = Writer(out, fmt, cluster=True)
        writer.write(rows)
        writer.close()
    finally:
        if output and fmt != "parquet":
            out.close()
    typer.echo(f"kronika: {len(rows)} {'clusters' if per == 'cluster' else 'stories' if per == 'story' else 'events'}",
               err=True)


@app.command()
def recluster(db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP)):
    """Make the store's clusters again by the current rules (after an upgrade or a rule change).
    Article by article, each in its own transaction: an interrupted run resumes where it stopped
    when started again."""
    store = _open_store(db)
    from types import SimpleNamespace

    with _progress("reclustering") as advance:
        done = store.recluster(progress=advance and (lambda n: advance(SimpleNamespace(articles=n))))
    typer.echo(f"kronika: {done.articles} articles reclustered, {done.clusters} clusters", err=True)


@app.command("stats")
def stats_cmd(db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
              since: Optional[str] = _SINCE,
              until: Optional[str] = _UNTIL,
              country: Optional[str] = _COUNTRY,
              event_type: Optional[str] = _TYPE,
              fmt: str = typer.Option("table", "--format", "-f", help="table or json.")):
    """Counts of events and clusters by day, type and country."""
    import json

    from .store import stats

    if fmt not in ("table", "json"):
        _fail(f"--format {fmt!r} is not a format for stats; use table or json")
    f = _filters(since=since, until=until, country=country, event_type=event_type)
    s = stats(_open_store(db), f)
    if fmt == "json":
        typer.echo(json.dumps(s, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=100)
    console.print(f"{s['articles']} articles, {s['events']} events, {s['clusters']} clusters")
    for key, label in (("by_type", "type"), ("by_country", "country"), ("by_day", "day")):
        t = Table(title=f"by {label}", title_justify="left")
        t.add_column(label)
        t.add_column("events", justify="right")
        t.add_column("clusters", justify="right")
        for r in s[key]:
            t.add_row(str(r["key"] if r["key"] is not None else "-"), str(r["events"]), str(r["clusters"]))
        console.print(t)


@app.command()
def serve(db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
          port: int = typer.Option(8000, "--port", help="Port to listen on."),
          token: Optional[str] = typer.Option(None, "--token", envvar="KRONIKA_TOKEN",
                                              help="Enable POST /api/ingest for callers sending this bearer token."),
          tiles: Optional[str] = typer.Option(None, "--tiles", help="Map tile URL template, e.g. "
                                              "https://tiles.example/{z}/{x}/{y}.png (default: country outlines only)."),
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="Server processes (one per core serves the most requests at once).")):
    """The web page and HTTP API over a store (read-only unless --token is given); docs at /docs."""

    import uvicorn

    from .web.app import STATIC, create_app

    if not (STATIC / "vendor" / "leaflet" / "leaflet.js").exists():
        typer.echo("kronika: the page's map files, which come with the package, are missing: it was built "
                   "without them; reinstall kronika from a wheel or sdist, or in a source checkout run "
                   "`bash scripts/vendor_web.sh` (needs npm), then start again", err=True)
        raise typer.Exit(2)
    try:
        application = create_app(db, token, tiles)
    except KronikaError as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(f"kronika: serving {application.state.store.engine.url!r} at http://{host}:{port}/ "
               f"({'writing with a token' if token else 'read-only'}, {workers} process{'es' if workers > 1 else ''})",
               err=True)
    if workers == 1:
        uvicorn.run(application, host=host, port=port, log_level="warning")
        return
    # each process makes the same app from what this one checked (uvicorn imports it by name)
    application.state.store.engine.dispose()
    os.environ.update({"KRONIKA_SERVE_DB": db or "", "KRONIKA_SERVE_TILES": tiles or ""})
    if token:
        os.environ["KRONIKA_TOKEN"] = token
    uvicorn.run("kronika.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning")


@app.command()
def watch(sources_file: str = typer.Argument(..., metavar="SOURCES", help="A file listing feeds (RSS, Atom, JSON Feed, "
                                             "news sitemaps): a URL a line, then optional lang=pl country=PL "
                                             "every=15m name=\"Outlet\"."),
          db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
          every: str = typer.Option("10m", "--every", help="How often to poll a source without every= (90s, 10m, 1h)."),
          once: bool = typer.Option(False, "--once", help="Run one round and exit (for cron)."),
          name: Optional[str] = typer.Option(None, "--name", help="This watcher's name in the store (default: the "
                                             "host's); give each of several watchers on one host its own."),
          per_host: float = typer.Option(1.0, "--per-host", help="Seconds between two requests to one host (robots.txt's "
                                         "Crawl-delay when larger)."),
          timeout: float = typer.Option(20.0, "--timeout", help="Seconds a request may take."),
          alerts: bool = typer.Option(True, "--alerts/--no-alerts", help="Evaluate the saved alerts after each round.")):
    """Follow news feeds: fetch what is new, code it, store it, update the clusters and send the
    alerts; until stopped (SIGTERM or Ctrl-C finish the article in hand), or one round with --once."""
    import signal
    import threading

    from .alerts import evaluate
    from .fetching import Fetcher
    from .pipeline import Pipeline
    from .watch import Watcher, parse_every, read_sources

    try:
        interval = parse_every(every)
        found, errors = read_sources(sources_file)
    except KronikaError as exc:
        _fail(exc)
    for line in errors:
        typer.echo(f"kronika: error: {line}", err=True)
    if not found:
        _fail(f"{sources_file} lists no feed that can be used; write one URL a line")
    store = _open_store(db, create=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        watcher = Watcher(store, found, Pipeline.default(), fetcher=Fetcher(per_host=per_host, timeout=timeout),
                          every=interval, name=name, stop=stop, alerts=(lambda: evaluate(store)) if alerts else None)
    except KronikaError as exc:
        _fail(exc)
    typer.echo(f"kronika: watching {len(found)} sources into {store.shown}"
               f"{'' if once else f', polling every {every}; stop with SIGTERM or Ctrl-C'}", err=True)
    if once:
        rs = watcher.round()
        typer.echo(f"kronika: {rs.line()}", err=True)
        raise typer.Exit(1 if rs.failed_sources or errors else 0)
    watcher.run()
    typer.echo("kronika: stopped", err=True)


@app.command("watch-status")
def watch_status(db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
                 fmt: str = typer.Option("table", "--format", "-f", help="table or json.")):
    """What the watchers have done: each source's last poll, answer, failures and items."""
    import json

    from .watch import status

    if fmt not in ("table", "json"):
        _fail(f"--format {fmt!r} is not a format for watch-status; use table or json")
    s = status(_open_store(db))
    if fmt == "json":
        typer.echo(json.dumps(s, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    console.print(f"{len(s['sources'])} sources, {s['failing']} failing; last poll {s['last_round'] or 'never'}")
    t = Table("source", "last poll", "answer", "failures", "seen", "stored", "waiting", "failed", "last error")
    for r in s["sources"]:
        t.add_row(r["name"] or r["url"], r["last_fetch"] or "never", str(r["last_status"] or ""), str(r["failures"]),
                  str(r["items_seen"]), str(r["items_stored"]), str(r["waiting"]), str(r["failed"]),
                  (r["last_error"] or "")[:60])
    console.print(t)
    raise typer.Exit(1 if s["failing"] else 0)


alert_app = typer.Typer(help="Saved queries sent to a webhook or a JSON Lines file when a matching event appears or grows.",
                        no_args_is_help=True)
app.add_typer(alert_app, name="alert")


@alert_app.command("add")
def alert_add(name: str = typer.Argument(..., help="A name for the alert."),
              db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
              event_type: Optional[str] = _TYPE,
              country: Optional[str] = _COUNTRY,
              actor: Optional[str] = _ACTOR,
              near: Optional[str] = _NEAR,
              km: Optional[float] = typer.Option(None, "--km", help="Radius for --near."),
              text: Optional[str] = _TEXT,
              lang: Optional[str] = _LANG,
              min_articles: int = typer.Option(1, "--min-articles", help="Send when this many articles report the event."),
              growth: float = typer.Option(2.0, "--growth", help="Send again each time the articles grow by this "
                                           "factor (2: 3, 6, 12...; 1: every further article)."),
              webhook: Optional[str] = typer.Option(None, "--webhook", help="POST each message as JSON to this URL."),
              jsonl: Optional[str] = typer.Option(None, "--jsonl", help="Append each message to this JSON Lines file.")):
    """Save an alert; `kronika watch` evaluates it after each round."""
    from .alerts import add_alert

    if near:
        point = _place_point(near) if "," not in near else None
        near = f"{point[0]},{point[1]}" if point else near
    try:
        a = add_alert(_open_store(db, create=True), name, {"event_type": event_type, "country": country, "actor": actor,
                                                          "near": near, "km": km, "text": text, "lang": lang},
                      min_articles, webhook, jsonl, growth)
    except KronikaError as exc:
        _fail(exc)
    typer.echo(f"kronika: alert {a.name!r} saved", err=True)


@alert_app.command("list")
def alert_list(db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP)):
    """The saved alerts, as JSON Lines."""
    import json

    from .alerts import list_alerts

    for a in list_alerts(_open_store(db)):
        typer.echo(json.dumps(a, ensure_ascii=False))


@alert_app.command("remove")
def alert_remove(name: str = typer.Argument(...), db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP)):
    """Remove a saved alert and the record of what it sent."""
    from .alerts import remove_alert

    try:
        remove_alert(_open_store(db), name)
    except KronikaError as exc:
        _fail(exc)
    typer.echo(f"kronika: alert {name!r} removed", err=True)
