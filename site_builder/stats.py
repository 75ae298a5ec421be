"""Figures about the reading list: papers, tag coverage, tag sizes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from site_builder.models import Paper, Tag

MIN_TAG_PAPERS = 3
MAX_TAG_SHARE = 0.40


@dataclass(frozen=True, slots=True)
class TagStats:
    """Tag coverage of a reading list."""

    papers: int
    """Papers in the list."""
    tagged: int
    """Papers with at least one tag."""
    counts: tuple[tuple[Tag, int], ...]
    """Each tag with its number of papers, in taxonomy order."""

    @property
    def tagged_share(self) -> float:
        """Fraction of papers with a tag."""
        return self.tagged / self.papers if self.papers else 0.0


def compute_tag_stats(
    papers: Sequence[Paper], taxonomy: Sequence[Tag], tags: Mapping[str, Sequence[str]]
) -> TagStats:
    """Count papers per tag and papers with any tag."""
    counts = Counter(tag for paper in papers for tag in tags[paper.id])
    tagged = sum(1 for paper in papers if tags[paper.id])
    return TagStats(len(papers), tagged, tuple((tag, counts[tag.id]) for tag in taxonomy))


def format_tag_stats(stats: TagStats) -> str:
    """Return the stats as a table, flagging tags that are too small or too broad."""
    lines = [
        f"papers: {stats.papers}",
        f"tagged: {stats.tagged} ({stats.tagged_share:.1%})",
        f"tags:   {len(stats.counts)}",
        "",
        f"{'tag':<24} {'papers':>6} {'share':>6}",
    ]
    for tag, count in stats.counts:
        share = count / stats.papers if stats.papers else 0.0
        flag = ""
        if count < MIN_TAG_PAPERS:
            flag = f"  < {MIN_TAG_PAPERS} papers"
        elif share > MAX_TAG_SHARE:
            flag = f"  > {MAX_TAG_SHARE:.0%} of papers"
        lines.append(f"{tag.id:<24} {count:>6} {share:>6.1%}{flag}")
    return "\n".join(lines)
