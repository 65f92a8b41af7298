"""kronika: verifiable PLOVER event records from news articles in many languages."""
import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
