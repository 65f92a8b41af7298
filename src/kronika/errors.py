"""One hierarchy of errors; every message names the input and the fix."""
from __future__ import annotations


class KronikaError(Exception):
    """Base of every error kronika raises on purpose."""


class InputError(KronikaError):
    """An input file cannot be read as an article.

    `path` names the file, `fix` says what the user can do about it.
    """

    def __init__(self, path: str, problem: str, fix: str):
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}: {problem} ({fix})")


class InputProblem(KronikaError):
    """What is wrong with one input and what to do; a reader turns it into an InputError with the
    input's name."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


class DataError(KronikaError):
    """A bundled data file (lexicon, alias table) is malformed."""

    def __init__(self, path: str, problem: str):
        self.path = path
        super().__init__(f"{path}: {problem} (fix the data file; 'kronika check-data' validates all of them)")


class PipelineError(KronikaError):
    """Stages were assembled in an order that cannot work."""
