"""The version of kronika (one place; the package metadata reads it too)."""
__version__ = "0.1.0"
