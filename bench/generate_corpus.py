"""Generate a deterministic synthetic corpus of listing dumps for benchmarking.

Usage: python bench/generate_corpus.py N DEST_DIR [--seed S]

DEST_DIR becomes a scratch copy of the project (everything except build output,
virtualenvs, node_modules, content/papers, content/sources and .git) whose
content/sources/ holds N distinct papers as listing dumps, one file per listing day
(``2025-03-12.txt``), 50-150 entries a day, about 7% of entries being repeats of papers
listed on an earlier day. Every paper has an arXiv id and 1-15 authors drawn from a pool
where a few people write many papers, some names spelt with initials or without accents
(as listings do). Every ARXIV_EVERY-th day is an arXiv /new listing (ids, `Title:`,
`Authors:`, `Subjects:`), the other days are Layout A (HF daily) dumps, which name no authors.

Papers recombine the bundled abstracts' sentences and titles. New word types
(pseudo-words and compounds) are injected so that the distinct-word count
follows Heaps' law V(n) = K * n**BETA, calibrated so that V(369) is the bundled
corpus' own vocabulary and V(10,000) = 48,000.

This module is also imported by bench/run.py (``read_bundled``, ``generate``,
``copy_project``, ``word_types``), so it uses the standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import random
import re
import shutil
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import fresh_dir  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
BUNDLED_SOURCES = PROJECT / "content" / "sources"

#: Top-level names (relative to the project root) never copied into a scratch project.
#: site_builder/ and tests/ stay out so that ``python -m site_builder`` run in the scratch
#: project imports the project's (editable) package, not a stale copy.
EXCLUDED = {
    "_site",
    ".venv",
    "node_modules",
    ".git",
    ".site-cache",
    "bench",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "site_builder.egg-info",
    "site_builder",
    "tests",
    ".ci",
}
EXCLUDED_CONTENT = {"papers", "sources"}

TARGET_N = 10_000
TARGET_VOCAB = 48_000

HEADER_LINES = (
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "byAK and the research community",
)
_HEADER_NOISE = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "byak and the research community",
}
_DATE_LINE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}$")
_WORD = re.compile(r"[a-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_PLAIN_WORD = re.compile(r"^[a-z]{6,}$")
_TITLE_SPLIT = re.compile(r"(: | via | for | with | in | of | using | from )")

#: Tags given to peer pages (and to nothing of ours: our pipeline tags papers itself).
TAG_KEYWORDS = {
    "diffusion": ("diffusion",),
    "language-models": ("language model", "llm"),
    "vision": ("image", "vision", "visual", "video"),
    "reinforcement-learning": ("reinforcement", "reward", "policy"),
    "graphs": ("graph",),
    "optimization": ("optimization", "convex", "gradient"),
    "speech-audio": ("speech", "audio"),
    "robotics": ("robot",),
    "3d": ("3d", "point cloud", "mesh"),
    "security": ("adversarial", "attack", "privacy", "jailbreak"),
    "theory": ("theorem", "bound", "proof"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Paper:
    """One distinct paper of a corpus."""

    title: str
    """Title, one line, may contain LaTeX."""
    abstract: str
    """Abstract, one line, may contain LaTeX and URLs."""
    date: dt.date
    """Listing day on which the paper first appears."""
    arxiv: str = ""
    """arXiv id (`2501.00042`)."""
    authors: tuple[str, ...] = ()
    """Author names as the listing spells them."""

    @property
    def tags(self) -> list[str]:
        text = f"{self.title} {self.abstract}".lower()
        return sorted(t for t, kws in TAG_KEYWORDS.items() if any(k in text for k in kws))


def fold(title: str) -> str:
    """Case- and punctuation-folded title, the key under which titles must be unique."""
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def word_types(texts: list[str]) -> int:
    """Distinct lower-cased alphabetic runs: the vocabulary size we report."""
    vocab: set[str] = set()
    for text in texts:
        vocab.update(_WORD.findall(text.lower()))
    return len(vocab)


# --------------------------------------------------------------------------- bundled dumps


def _parse_dump(text: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Both layouts: drop header noise and blank lines, then title/abstract pairs."""
    lines = []
    date = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("Subscribe") and len(line) > len("Subscribe"):
            line = line[len("Subscribe") :]  # Layout B: 'Subscribe' glued to the first title
        if not line or line.lower() in _HEADER_NOISE:
            continue
        if _DATE_LINE.match(line):
            date = line
            continue
        lines.append(line)
    return date, [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]


def read_bundled(sources: Path = BUNDLED_SOURCES) -> list[Paper]:
    """The distinct papers of the bundled dumps (first occurrence wins)."""
    seen: dict[str, Paper] = {}
    for path in sorted(sources.glob("*.txt")):
        date, pairs = _parse_dump(path.read_text(encoding="utf-8"))
        day = (
            dt.datetime.strptime(f"{date} 2025", "%b %d %Y").date()
            if date
            else dt.date(2025, 3, 10)
        )
        for title, abstract in pairs:
            seen.setdefault(fold(title), Paper(title, abstract, day))
    return list(seen.values())


# --------------------------------------------------------------------------- new words

_ONSETS = [
    "b",
    "br",
    "c",
    "ch",
    "cl",
    "cr",
    "d",
    "dr",
    "f",
    "fl",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "kr",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "pr",
    "qu",
    "r",
    "s",
    "sk",
    "sp",
    "st",
    "t",
    "tr",
    "v",
    "vr",
    "w",
    "z",
    "x",
    "th",
    "sh",
    "ph",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
_CODAS = ["", "", "n", "r", "l", "x", "m", "s", "t", "nd", "rt", "ck", "ft", "lt", "mp"]
_SUFFIXES = [
    "net",
    "former",
    "gan",
    "flow",
    "diff",
    "bert",
    "nerf",
    "mix",
    "seg",
    "rl",
    "gpt",
    "fusion",
    "match",
    "graph",
    "align",
    "tune",
    "cast",
    "scope",
    "lens",
    "kit",
]


class _Coiner:
    """Invents word types absent from a growing vocabulary."""

    def __init__(self, rng: random.Random, vocab: set[str], stems: list[str]) -> None:
        self._rng = rng
        self._vocab = vocab
        self._stems = stems

    def coin(self) -> str:
        rng = self._rng
        while True:
            kind = rng.random()
            if kind < 0.55:  # pseudo-word: 2-4 syllables
                word = "".join(
                    rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                    for _ in range(rng.randint(2, 4))
                )
            elif kind < 0.85:  # compound of two existing stems ('graphmixer')
                word = rng.choice(self._stems) + rng.choice(self._stems)
            else:  # model-name style ('quorlaformer')
                word = "".join(
                    rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 2))
                ) + rng.choice(_SUFFIXES)
            if len(word) >= 5 and word not in self._vocab:
                return word


def _styled(word: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return word.capitalize()
    if r < 0.32 and len(word) <= 6:
        return word.upper()
    return word


# --------------------------------------------------------------------------- generation


def _heaps(n0: int, v0: int) -> tuple[float, float]:
    beta = math.log(TARGET_VOCAB / v0) / math.log(TARGET_N / n0)
    return v0 / n0**beta, beta


def generate(n: int, seed: int = 0) -> list[Paper]:
    """N distinct synthetic papers, deterministic for a given (n, seed)."""
    base = read_bundled()
    rng = random.Random(seed)
    k, beta = _heaps(len(base), word_types([p.title + " " + p.abstract for p in base]))

    sentences = [s for p in base for s in _SENTENCE_END.split(p.abstract) if len(s) > 20]
    first_sentences = [_SENTENCE_END.split(p.abstract)[0] for p in base]
    title_parts: list[tuple[str, str, str]] = []  # (head, joiner, tail)
    for p in base:
        m = _TITLE_SPLIT.search(p.title)
        if m and m.start() > 3:
            title_parts.append((p.title[: m.start()], m.group(1), p.title[m.end() :]))
    heads = [h for h, _, _ in title_parts] + [p.title for p in base if ":" not in p.title]
    tails = [(j, t) for _, j, t in title_parts]
    stems = sorted({w for p in base for w in _WORD.findall(p.title.lower()) if 4 <= len(w) <= 7})

    base_words = {w for p in base for w in _WORD.findall(p.abstract.lower())}
    vocab: set[str] = set()
    coiner = _Coiner(rng, vocab, stems)
    coined_uses: list[str] = []  # every use of a coined word: preferential re-use (Simon)
    titles: set[str] = set()
    papers: list[Paper] = []

    for i in range(1, n + 1):
        # Recombine: an opening sentence, then 3-7 sentences drawn from anywhere.
        body = [rng.choice(first_sentences)] + rng.sample(sentences, rng.randint(3, 7))
        words = " ".join(body).split(" ")
        # Re-use coined words already in the corpus, as later papers cite earlier methods.
        for _ in range(min(len(coined_uses), rng.randint(0, 3))):
            word = rng.choice(coined_uses)
            coined_uses.append(word)
            _replace_plain_word(words, _styled(word, rng), rng, base_words)

        head = rng.choice(heads)
        joiner, tail = rng.choice(tails)
        title = f"{head}{joiner}{tail}" if rng.random() < 0.8 else head
        if coined_uses and rng.random() < 0.15:
            title = f"{_styled(rng.choice(coined_uses), rng).capitalize()}: {title}"

        for _ in range(3):  # a replaced word may have been the only use of a type: re-count
            text_vocab = set(_WORD.findall((title + " " + " ".join(words)).lower()))
            missing = round(k * i**beta) - len(vocab) - len(text_vocab - vocab)
            if missing <= 0:
                break
            for j in range(missing):
                word = coiner.coin()
                vocab.add(word)
                coined_uses.append(word)
                if j == 0 and ":" not in title and rng.random() < 0.3:
                    title = f"{_styled(word, rng).capitalize()}: {title}"
                else:
                    _replace_plain_word(words, _styled(word, rng), rng, base_words)
        while fold(title) in titles:  # unique after folding: prefix a fresh coined name
            word = coiner.coin()
            vocab.add(word)
            coined_uses.append(word)
            title = f"{word.capitalize()}: {title}"
        titles.add(fold(title))
        abstract = " ".join(words)
        vocab.update(_WORD.findall((title + " " + abstract).lower()))
        papers.append(Paper(title, abstract, dt.date(2025, 1, 1)))
    return papers


def _replace_plain_word(
    words: list[str], new: str, rng: random.Random, base_words: set[str]
) -> None:
    """Replace one plain lower-case bundled word (never LaTeX, a URL, a number or a word
    coined for this paper), else insert."""
    for _ in range(12):
        j = rng.randrange(1, len(words))
        if _PLAIN_WORD.match(words[j]) and words[j] in base_words:
            words[j] = new
            return
    words.insert(len(words) - 1, new)


def schedule(papers: list[Paper], seed: int = 0) -> dict[dt.date, list[Paper]]:
    """Spread papers over weekday listings of 50-150 entries, ~7% being earlier repeats.

    Returns the entries of each day and re-dates every paper to its first listing.
    """
    rng = random.Random(seed + 1)
    days: dict[dt.date, list[Paper]] = {}
    day = dt.date(2025, 1, 6)
    listed: list[Paper] = []
    i = 0
    while i < len(papers):
        size = rng.randint(50, 150)
        fresh = [dataclasses.replace(p, date=day) for p in papers[i : i + size]]
        i += len(fresh)
        repeats = rng.sample(listed[-600:], min(len(listed[-600:]), round(len(fresh) * 0.075)))
        entries = fresh + repeats
        rng.shuffle(entries)
        days[day] = entries
        listed.extend(fresh)
        day += dt.timedelta(days=3 if day.weekday() == 4 else 1)
    papers[:] = listed
    return days


ARXIV_EVERY = 2
"""Every ARXIV_EVERY-th listing day is written as an arXiv /new listing (0: none)."""

_GIVEN_NAMES = (
    "Ada Alan Grace Edsger Barbara Donald Jürgen José Zoë Łukasz Søren Chloé André Wei Yann "
    "Fei-Fei Yoshua Geoffrey Ilya Kaiming Ashish Noam Niki Jakob Llion Aidan Oriol Koray Demis "
    "Shakir Danilo Durk Max Diederik Ian Sepp Hannah Percy Mirella Emily Timnit Joëlle Anima "
    "Daphne Andrew Chelsea Sergey Pieter Ruslan Jian Xiaodong Hao Ming-Wei Kristina Kenton Raia "
    "Ioannis Gaël Bernhard Ulrike Matthias Rémi Éric Íñigo Nuño Björn Dana Priya Arjun Sakura"
).split()
_SUFFIX_SYLLABLES = ("son", "berg", "ova", "ski", "ez", "ani", "ura", "ton", "ler", "sen", "ić", "ø")


def _ascii(name: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ł", "L"))
        if not unicodedata.combining(ch)
    )


def add_authors(papers: list[Paper], seed: int = 0) -> None:
    """Give every paper an arXiv id and authors (deterministic; its own random stream, so the
    titles and abstracts are those of a corpus without authors)."""
    rng = random.Random(seed + 7)
    people: list[str] = []
    for _ in range(max(50, len(papers) * 6 // 5)):
        family = "".join(rng.choice(_ONSETS) + rng.choice("aeiouy") for _ in range(rng.randint(1, 2)))
        family = (family + rng.choice(_SUFFIX_SYLLABLES)).capitalize()
        people.append(f"{rng.choice(_GIVEN_NAMES)} {family}")
    for index, paper in enumerate(papers):
        count = min(15, 1 + int(rng.expovariate(0.25)))
        chosen: dict[str, None] = {}
        while len(chosen) < count:
            chosen[people[int(len(people) * rng.random() ** 3)]] = None
        names = []
        for name in chosen:
            given, family = name.split(" ", 1)
            r = rng.random()
            if r < 0.08:
                name = f"{given[0]}. {family}"
            elif r < 0.13:
                name = _ascii(name)
            names.append(name)
        papers[index] = dataclasses.replace(
            paper, arxiv=f"{paper.date:%y%m}.{index + 1:05d}", authors=tuple(names)
        )


def write_dump(path: Path, day: dt.date, entries: list[Paper]) -> None:
    """One Layout A listing dump, as a user would paste it."""
    lines = [*HEADER_LINES, f"{day:%b} {day.day}"]
    for p in entries:
        lines += [p.title, p.abstract]
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")


def write_arxiv_dump(path: Path, day: dt.date, entries: list[Paper]) -> None:
    """One arXiv /new listing, as a user would paste it: ids, titles, authors, abstracts."""
    lines = [
        f"Showing new listings for {day:%A}, {day.day} {day:%B %Y}",
        "",
        f"New submissions (showing {len(entries)} of {len(entries)} entries)",
        "",
    ]
    for number, p in enumerate(entries, 1):
        lines += [
            f"[{number}] arXiv:{p.arxiv} [pdf, html, other]",
            f"Title: {p.title}",
            f"Authors: {', '.join(p.authors)}",
            "Subjects: Machine Learning (cs.LG)",
            "",
            p.abstract,
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def count_entries(text: str) -> int:
    """Return how many entries a dump written here holds, in either layout."""
    if text.startswith("Showing new listings"):
        return sum(1 for line in text.splitlines() if re.match(r"\[\d+\] arXiv:", line))
    return len(text.split("\n\n")[5::2])


def write_day(path: Path, number: int, day: dt.date, entries: list[Paper]) -> None:
    """Write the dump of the number-th listing day, in the layout of that day."""
    if ARXIV_EVERY and number % ARXIV_EVERY == ARXIV_EVERY - 1:
        write_arxiv_dump(path, day, entries)
    else:
        write_dump(path, day, entries)


def copy_project(dest: Path, project: Path = PROJECT) -> None:
    """A scratch copy of the project, without output, environments, papers or sources."""
    fresh_dir(dest)
    for entry in project.iterdir():
        if entry.name in EXCLUDED:
            continue
        if entry.name == "content" and entry.is_dir():
            (dest / "content").mkdir()
            for sub in entry.iterdir():
                if sub.name in EXCLUDED_CONTENT:
                    continue
                _copy(sub, dest / "content" / sub.name)
        else:
            _copy(entry, dest / entry.name)
    (dest / "content" / "sources").mkdir(parents=True, exist_ok=True)
    if (project / "node_modules").is_dir():  # installed front-end libraries: shared, not copied
        (dest / "node_modules").symlink_to(project / "node_modules", target_is_directory=True)


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copy2(src, dst)


def corpus(n: int, seed: int = 0) -> list[Paper]:
    """The distinct papers of size N, dated: the bundled ones if N is their count."""
    bundled = read_bundled()
    if n == len(bundled):
        return bundled
    papers = generate(n, seed)
    schedule(papers, seed)
    add_authors(papers, seed)
    return papers


def write_corpus(n: int, dest: Path, seed: int = 0) -> list[Paper]:
    """Scratch project at DEST with N generated papers; returns the distinct papers."""
    copy_project(dest)
    papers = generate(n, seed)
    days = schedule(papers, seed)
    add_authors(papers, seed)
    by_title = {p.title: p for p in papers}
    for number, (day, entries) in enumerate(days.items()):
        listed = [by_title[p.title] for p in entries]
        write_day(dest / "content" / "sources" / f"{day.isoformat()}.txt", number, day, listed)
    return papers


def write_bundled(dest: Path) -> list[Paper]:
    """Scratch project at DEST with the bundled dumps themselves (the N=369 case)."""
    copy_project(dest)
    for path in sorted(BUNDLED_SOURCES.glob("*.txt")):
        shutil.copy2(path, dest / "content" / "sources" / path.name)
    return read_bundled()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of distinct papers")
    parser.add_argument("dest", type=Path, help="scratch project directory (replaced)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the distinct papers as JSON lines")
    args = parser.parse_args(argv)
    papers = write_corpus(args.n, args.dest, args.seed)
    if args.json:
        with args.json.open("w", encoding="utf-8") as out:
            for p in papers:
                out.write(
                    json.dumps(
                        {
                            "title": p.title,
                            "abstract": p.abstract,
                            "date": p.date.isoformat(),
                            "tags": p.tags,
                            "arxiv": p.arxiv,
                            "authors": list(p.authors),
                        }
                    )
                    + "\n"
                )
    entries = sum(
        count_entries(f.read_text(encoding="utf-8"))
        for f in (args.dest / "content/sources").glob("*.txt")
    )
    days = len(list((args.dest / "content/sources").glob("*.txt")))
    vocab = word_types([p.title + " " + p.abstract for p in papers])
    print(
        f"wrote {len(papers)} papers ({entries} entries, {days} days), "
        f"{vocab} word types, to {args.dest}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
