"""The `kronika` command line: thin commands over plain functions."""
from __future__ import annotations

import logging
import sys
from typing import List, Optional

import typer

from . import __version__
from .errors import KronikaError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Verifiable PLOVER event records from news articles in many languages.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kronika {__version__}")
        raise typer.Exit()


@app.callback()
def main(verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="-v info, -vv debug logging."),
         version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version.")):
    """kronika turns news articles into event records: who did what to whom, where, when, says who."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def extract(paths: List[str] = typer.Argument(..., help="Article files, directories, JSON Lines, HTML, or - for stdin."),
            fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                              help="jsonl, json, csv, geojson or table (default: table on a terminal, else jsonl)."),
            output: Optional[str] = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
            max_bytes: int = typer.Option(20_000_000, "--max-bytes", help="Reject input files larger than this.")):
    """Extract the events that articles report, each with its evidence sentence."""
    from .run import extract_paths

    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    fmt = fmt or ("table" if out.isatty() else "jsonl")
    try:
        stats = extract_paths(paths, out, fmt, max_bytes=max_bytes)
    except KronikaError as exc:
        typer.echo(f"kronika: {exc}", err=True)
        raise typer.Exit(2)
    finally:
        if output:
            out.close()
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
