"""Evaluation against public gold sets (read from ../shared/benchmarks at run time, never copied)."""
