"""Site settings from site.yml, and where the project's files live."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.controls import strip_controls
from site_builder.errors import SiteError, SourcePos, raise_all
from site_builder.yamlfile import parse_yaml_mapping

CONFIG_FILE = "site.yml"
_URL_RE = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$", re.I
)


@dataclass(frozen=True, slots=True)
class Config:
    """Settings of one reading-list project."""

    root: Path
    """Project root: the folder holding site.yml."""
    title: str
    """Site title, shown in the header and feeds."""
    description: str
    """One sentence about the list, for the home page, feeds and search engines."""
    author: str
    """Who keeps the list (feeds need an author)."""
    base_url: str
    """Absolute URL the site is published at, ending in `/` (e.g. https://user.github.io/reading-list/); may be empty."""
    cname: str
    """Custom domain that `deploy` writes to the branch's CNAME file (e.g. papers.example.org); may be empty."""
    language: str
    """Language code of the pages."""
    year: int | None
    """Year for listing dates such as `Mar 12` when the dump's file name has no YYYY-MM-DD."""
    page_size: int
    """Papers per page on the home page."""
    feed_size: int
    """Entries in each Atom feed."""
    related: int
    """Related papers shown on a paper page."""
    out_dir: Path
    """Where `build` writes the site."""

    @property
    def sources_dir(self) -> Path:
        """Listing dumps pasted by the user."""
        return self.root / "content" / "sources"

    @property
    def papers_dir(self) -> Path:
        """One Markdown page per paper."""
        return self.root / "content" / "papers"

    @property
    def tags_file(self) -> Path:
        """The tag taxonomy."""
        return self.root / "content" / "tags.yml"

    @property
    def templates_dir(self) -> Path:
        """Jinja2 templates of the theme."""
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        """CSS, JavaScript and images of the theme, copied to assets/."""
        return self.root / "static"

    def shown(self, path: Path) -> str:
        """Return a path as the user should see it: relative to the project root when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def normalise_base_url(url: str) -> str:
    """Return the base URL with its path's runs of slashes made one and a final slash.

    `https://user.github.io//reading-list/` would make 404.html's absolute links start with
    `//reading-list/`, which a browser reads as another host.
    """
    if not url:
        return url
    scheme, rest = url.split("://", 1)
    host, slash, path = rest.partition("/")
    path = re.sub(r"/{2,}", "/", f"/{path}").rstrip("/") + "/"
    return f"{scheme}://{host}{path}"


_SETTINGS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "title": (str, "Reading list"),
    "description": (str, "Research papers worth reading."),
    "author": (str, "The reading group"),
    "base_url": (str, ""),
    "cname": (str, ""),
    "language": (str, "en"),
    "year": ((int, type(None)), None),
    "page_size": (int, 50),
    "feed_size": (int, 30),
    "related": (int, 5),
    "out_dir": (str, "_site"),
}


def load_config(
    root: Path,
    base_url: str | None = None,
    out_dir: Path | None = None,
    cname: str | None = None,
) -> Config:
    """Read site.yml under root; every missing or invalid setting is reported at once.

    `base_url`, `out_dir` and `cname` override site.yml (command-line flags).
    """
    path = root / CONFIG_FILE
    shown = CONFIG_FILE
    if not path.is_file():
        raise SiteError(
            f"no {CONFIG_FILE} here: run site-builder from a reading-list project (the folder with {CONFIG_FILE})",
            SourcePos(str(path)),
        )
    try:
        text = strip_controls(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SiteError("not UTF-8 text", SourcePos(shown)) from None
    mapping = parse_yaml_mapping(text, shown)
    errors: list[SiteError] = []
    values: dict[str, Any] = {}
    for key in mapping.data:
        if key not in _SETTINGS:
            errors.append(
                SiteError(
                    f"unknown setting `{key}` (known: {', '.join(_SETTINGS)})", mapping.pos(key)
                )
            )
    for key, (kind, default) in _SETTINGS.items():
        value = mapping.data.get(key, default)
        if value is None and default is not None:
            value = default
        if not isinstance(value, kind) or isinstance(value, bool):
            expected = "a number" if kind is int or kind == (int, type(None)) else "text"
            errors.append(SiteError(f"`{key}` must be {expected}, got {value!r}", mapping.pos(key)))
            value = default
        values[key] = value
    for key in ("page_size", "feed_size"):
        if values[key] < 1:
            errors.append(
                SiteError(f"`{key}` must be at least 1, got {values[key]}", mapping.pos(key))
            )
    if values["related"] < 0:
        errors.append(SiteError("`related` must be 0 or more", mapping.pos("related")))
    if values["year"] is not None and not 1900 <= values["year"] <= 2999:
        errors.append(
            SiteError(
                f"`year` must be a four-digit year, got {values['year']}", mapping.pos("year")
            )
        )
    if not values["title"].strip():
        errors.append(SiteError("`title` must not be empty", mapping.pos("title")))
    url = (base_url if base_url is not None else values["base_url"]).strip()
    where = None if base_url is not None else mapping.pos("base_url")
    if url and not _URL_RE.match(url):
        errors.append(SiteError(f"`base_url` must be an absolute http(s) URL, got {url!r}", where))
    elif url and ("?" in url or "#" in url):
        errors.append(
            SiteError(f"`base_url` must have no `?` query or `#` fragment, got {url!r}", where)
        )
    domain = (cname if cname is not None else values["cname"]).strip()
    if domain and not _DOMAIN_RE.match(domain):
        name, where = ("--cname", None) if cname is not None else ("`cname`", mapping.pos("cname"))
        errors.append(
            SiteError(
                f"{name} must be a domain name such as papers.example.org, got {domain!r}", where
            )
        )
    raise_all(errors)
    url = normalise_base_url(url)
    return Config(
        root=root,
        title=values["title"].strip(),
        description=values["description"].strip(),
        author=values["author"].strip(),
        base_url=url,
        cname=domain,
        language=values["language"],
        year=values["year"],
        page_size=values["page_size"],
        feed_size=values["feed_size"],
        related=values["related"],
        out_dir=out_dir if out_dir is not None else root / values["out_dir"],
    )
