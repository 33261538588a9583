"""Where the draft and its images go for each kind of site, and what its front matter says.

``/draft`` offers the draft as plain Markdown or laid out for a static site generator, so it
can be unzipped into a blog and built as it is:

* **markdown**: ``review-2026.md`` with ``images/`` beside it (any editor, any site);
* **hugo**: a page bundle, ``review-2026/index.md`` with ``review-2026/images/`` inside it;
  drop the folder into ``content/posts/``. Hugo resolves the relative image links against
  the page. ``draft: true`` keeps it out of a plain ``hugo`` build until the author flips it
  (``hugo -D`` shows it meanwhile); the bot says so when it sends the ZIP. User text such as
  ``{{< youtube x >}}`` is written as Hugo's literal form ``{{</* youtube x */>}}``
  (:func:`hugo_literal`): Hugo shows it as typed instead of running a shortcode, or failing
  the whole build for one it does not know.
* **jekyll**: a post, ``_posts/2026-12-31-review-2026.md`` (Jekyll's ``YYYY-MM-DD-title``
  name), with images under ``assets/review-2026/`` linked by their site path
  (``/assets/review-2026/2026-w14-1.jpg``). ``render_with_liquid: false`` keeps user text such
  as ``{{ }}`` from being run as Liquid (Jekyll 4; GitHub Pages still builds with Jekyll 3,
  which ignores it: there, wrap such text in ``{% raw %}``), and ``excerpt_separator`` keeps
  Jekyll from cutting an excerpt out of the middle of an answer. Jekyll has no ``draft``
  key; the post is published by the next build.
* **mkdocs**: a post for Material for MkDocs' blog plugin, ``docs/blog/posts/review-2026.md``
  with its images in ``docs/blog/posts/review-2026/``, and the blog plugin's front matter:
  ``description``, ``categories`` and ``authors`` (the user's Telegram username or first
  name, which must be listed in the blog's ``.authors.yml``).

Everything here is pure: the layout maps names to paths and front matter to values.
"""

from __future__ import annotations

import datetime as dtm
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

SiteFormat = Literal["markdown", "hugo", "jekyll", "mkdocs"]
FORMATS: tuple[SiteFormat, ...] = ("markdown", "hugo", "jekyll", "mkdocs")
DEFAULT_FORMAT: SiteFormat = "markdown"
NAMES: dict[SiteFormat, str] = {
    "markdown": "Markdown",
    "hugo": "Hugo",
    "jekyll": "Jekyll",
    "mkdocs": "MkDocs",
}


def site_name(site: SiteFormat, plain: Callable[[str], str]) -> str:
    """What a button calls ``site``: the product names as they are, Markdown in the user's
    language (``plain``: the translator's unescaped lookup)."""
    return plain("site.markdown") if site == "markdown" else NAMES[site]


# A shortcode call on one line, or an opening delimiter that nothing closes on its line.
_SHORTCODE = re.compile(r"\{\{(<)(.*?)(>)\}\}|\{\{(%)(.*?)(%)\}\}|\{\{(?=[<%])")


def hugo_literal(markdown: str) -> str:
    """``markdown`` with each shortcode call turned into Hugo's literal form, which Hugo
    shows as it was typed (also inside code); an opening ``{{<`` that nothing closes gets its
    first brace as ``&#123;``, which Markdown shows as ``{``."""

    def literal(found: re.Match[str]) -> str:
        if found[1] is not None:
            opening, inner, closing = found[1], found[2], found[3]
        elif found[4] is not None:
            opening, inner, closing = found[4], found[5], found[6]
        else:
            return "&#123;{"
        if inner.startswith("/*") and inner.endswith("*/"):  # literal already
            return found[0]
        return f"{{{{{opening}/*{inner}*/{closing}}}}}"

    return _SHORTCODE.sub(literal, markdown)


def parse_format(value: str | None) -> SiteFormat:
    """A stored or tapped format name; anything unknown is plain Markdown."""
    for known in FORMATS:
        if value == known:
            return known
    return DEFAULT_FORMAT


@dataclass(frozen=True)
class Layout:
    """Paths inside the ZIP for one site format and year."""

    format: SiteFormat
    year: int
    generated_on: dtm.date

    @property
    def page(self) -> str:
        """The draft's path in the ZIP."""
        slug = f"review-{self.year}"
        if self.format == "hugo":
            return f"{slug}/index.md"
        if self.format == "jekyll":
            return f"_posts/{self.generated_on.isoformat()}-{slug}.md"
        if self.format == "mkdocs":
            return f"docs/blog/posts/{slug}.md"
        return f"{slug}.md"

    @property
    def archive_name(self) -> str:
        suffix = "" if self.format == "markdown" else f"-{self.format}"
        return f"review-{self.year}{suffix}.zip"

    def image(self, name: str) -> tuple[str, str]:
        """(path in the ZIP, link in the page) of the image file ``name`` (``2026-w14-1.jpg``)."""
        if self.format == "hugo":
            return f"review-{self.year}/images/{name}", f"images/{name}"
        if self.format == "jekyll":
            path = f"assets/review-{self.year}/{name}"
            return path, f"/{path}"
        if self.format == "mkdocs":  # a folder per year: another year's photos stay
            folder = f"review-{self.year}"
            return f"docs/blog/posts/{folder}/{name}", f"{folder}/{name}"
        return f"images/{name}", f"images/{name}"


def front_matter(
    site: SiteFormat,
    *,
    title: str,
    date: dtm.date,
    tags: list[str],
    description: str,
    author: str | None,
) -> dict[str, Any]:
    """The front matter keys for ``site``, in the order the generator's docs list them."""
    if site == "jekyll":
        return {
            "title": title,
            "date": date,
            "tags": tags,
            "render_with_liquid": False,
            "excerpt_separator": "<!-- more -->",
        }
    if site == "mkdocs":
        data: dict[str, Any] = {"title": title, "date": date, "description": description}
        data["categories"] = tags[:1]
        if author:
            data["authors"] = [author]
        data["tags"] = tags
        data["draft"] = True
        return data
    return {"title": title, "date": date, "tags": tags, "draft": True}
