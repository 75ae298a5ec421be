"""One reader per layout of pasted text; the listing dispatcher picks one per file by content."""

from __future__ import annotations

from site_builder.readers.arxiv_abs import ArxivAbsReader
from site_builder.readers.arxiv_listing import ArxivListingReader
from site_builder.readers.base import ParsedListing, Reader
from site_builder.readers.bibtex import BibtexReader
from site_builder.readers.hf_bundled import HFBundledReader
from site_builder.readers.hf_cards import HFDailyCardsReader, HFTrendingReader
from site_builder.readers.hf_paper import HFPaperReader

READERS: tuple[Reader, ...] = (
    BibtexReader(),
    ArxivAbsReader(),
    HFPaperReader(),
    ArxivListingReader(),
    HFTrendingReader(),
    HFDailyCardsReader(),
    HFBundledReader(),
)
"""Every layout known, most specific first (the first wins a tie)."""

__all__ = ["READERS", "ParsedListing", "Reader"]
