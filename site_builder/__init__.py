"""site-builder: research-paper listing dumps in, a searchable static reading-list site out."""

__version__ = "0.1.0"
