"""The draft's ZIP laid out for Hugo, Jekyll and MkDocs, remembered per user, and built with the
real Hugo and Jekyll (Debian's packages, which .ci/run installs): the page is published and
its images resolve."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import os
import re
import shutil
import subprocess
import zipfile
from html import unescape
from pathlib import Path

import pytest
import yaml

from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import onboard, tap_data

# A past date, so that Jekyll (which skips posts dated in the future) publishes the post.
TODAY = dtm.datetime(2026, 11, 20, 3, 0, tzinfo=dtm.UTC)
LIQUID = "Remember {{ site.title }} and {% raw %} stay as I typed them"
CAPTION = "Summit booth with the team"
SHORTCODES = "Tried {{< youtube abc >}}, {{% notice %}} and a lone {{< on my blog"


async def _user_with_a_year(bot: Bot) -> FakeUser:
    bot.clock.set(TODAY - dtm.timedelta(days=30))
    user = bot.user(1001)
    await onboard(user)
    await user.send_photo(caption=CAPTION)
    await user.send(LIQUID)
    await user.send(SHORTCODES)
    bot.clock.set(TODAY)
    await user.send("/draft 2026")
    return user


async def _zip(bot: Bot, user: FakeUser, button: str) -> tuple[str, dict[str, bytes], str]:
    await user.tap(button)
    call = bot.api.calls_to("sendDocument")[-1]
    [(name, content)] = call.files.values()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    return name, files, user.last_text()


def _needs(program: str) -> None:
    """Skip without ``program`` on a developer machine; CI must have it (.ci/run installs)."""
    if shutil.which(program) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{program} is missing: .ci/run installs it from Debian's packages")
        pytest.skip(f"{program} is not installed (apt-get install {program})")


def _build(site: Path, *command: str) -> None:
    """Run the site generator in ``site``; its output is shown when it fails."""
    done = subprocess.run(command, cwd=site, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _front(markdown: str) -> dict[str, object]:
    loaded = yaml.safe_load(markdown.split("---\n")[1])
    assert isinstance(loaded, dict)
    return loaded


def _unpack(files: dict[str, bytes], into: Path) -> None:
    for name, content in files.items():
        path = into / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


async def test_each_format_has_its_layout_and_the_choice_is_remembered(bot: Bot) -> None:
    user = await _user_with_a_year(bot)
    assert user.buttons()[:4] == ["📦 Markdown ✓", "📦 Hugo", "📦 Jekyll", "📦 MkDocs"]

    name, files, caption = await _zip(bot, user, "📦 Hugo")
    assert name == "review-2026-hugo.zip"
    page = files["review-2026/index.md"].decode()
    assert _front(page)["draft"] is True
    assert "hugo server -D" in caption
    assert "draft: false" in caption
    [photo] = [n for n in files if n.startswith("review-2026/images/2026-w")]
    assert f"](images/{photo.rsplit('/', 1)[1]})" in page

    name, files, caption = await _zip(bot, user, "📦 Jekyll")
    assert name == "review-2026-jekyll.zip"
    page = files["_posts/2026-11-20-review-2026.md"].decode()
    front = _front(page)
    assert front["render_with_liquid"] is False
    assert "draft" not in front
    [photo] = [n for n in files if n.startswith("assets/review-2026/2026-w")]
    assert f"](/{photo})" in page

    name, files, caption = await _zip(bot, user, "📦 MkDocs")
    page = files["docs/blog/posts/review-2026.md"].decode()
    front = _front(page)
    assert front["categories"] == ["year-in-review"]
    assert front["authors"] == ["Ada"]  # the tapping user's name, no one invented
    assert front["description"]
    assert ".authors.yml" in caption

    # The last choice is remembered: the next draft marks it, and a stale button without a
    # format (sent before formats existed) builds that format.
    await user.send("/draft 2026")
    assert user.buttons()[:4] == ["📦 Markdown", "📦 Hugo", "📦 Jekyll", "📦 MkDocs ✓"]
    await tap_data(bot, user, "draft:zip:2026:0", forged=True)
    [(name, _)] = bot.api.calls_to("sendDocument")[-1].files.values()
    assert name == "review-2026-mkdocs.zip"


async def test_a_forged_format_gets_the_stale_button_reply(bot: Bot) -> None:
    user = await _user_with_a_year(bot)
    before = len(bot.api.calls_to("sendDocument"))
    await tap_data(bot, user, "draft:zip:2026:0:wordpress", forged=True)
    assert "button" in user.last_text().lower()
    assert len(bot.api.calls_to("sendDocument")) == before


async def test_real_hugo_publishes_the_bundle_with_its_images(bot: Bot, tmp_path: Path) -> None:
    _needs("hugo")
    user = await _user_with_a_year(bot)
    _, files, _ = await _zip(bot, user, "📦 Hugo")
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
    )
    (site / "layouts" / "_default" / "single.html").write_text("<main>{{ .Content }}</main>\n")
    (site / "layouts" / "_default" / "list.html").write_text("<ul></ul>\n")
    _unpack(files, site / "content" / "posts")
    page = site / "public" / "posts" / "review-2026" / "index.html"

    # As the caption says: a plain build leaves the draft out, -D builds it.
    await asyncio.to_thread(_build, site, "hugo", "--quiet")
    assert not page.exists()
    await asyncio.to_thread(_build, site, "hugo", "--quiet", "-D")
    html = page.read_text()
    assert CAPTION in html
    assert SHORTCODES in unescape(html)  # shown as typed: no shortcode run, no failed build
    assert "<iframe" not in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == 2  # the photo and the energy chart
    for source in sources:
        assert (page.parent / source).is_file(), source


async def test_real_jekyll_publishes_the_post_with_its_images(bot: Bot, tmp_path: Path) -> None:
    _needs("jekyll")
    user = await _user_with_a_year(bot)
    _, files, _ = await _zip(bot, user, "📦 Jekyll")
    site = tmp_path / "site"
    site.mkdir()
    (site / "_config.yml").write_text("title: My blog\n")
    _unpack(files, site)
    await asyncio.to_thread(_build, site, "jekyll", "build", "--quiet", "--disable-disk-cache")
    page = site / "_site" / "2026" / "11" / "20" / "review-2026.html"
    html = page.read_text()
    assert CAPTION in html
    assert LIQUID in html  # not run as Liquid
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == 2
    for source in sources:
        assert source.startswith("/assets/review-2026/")
        assert (site / "_site" / source.lstrip("/")).is_file(), source
