"""Tests for splitting long Telegram HTML into messages."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.html_split import split_html, text_content, utf16_len


class _Balance(HTMLParser):
    """Records whether every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.ok = False
        else:
            self.stack.pop()


def well_formed(chunk: str) -> bool:
    parser = _Balance()
    parser.feed(chunk)
    parser.close()
    return parser.ok and not parser.stack


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_chunk_unchanged() -> None:
    assert split_html("<b>Hello</b> world", 4096) == ["<b>Hello</b> world"]


def test_blank_input_gives_no_chunks() -> None:
    assert split_html("") == []
    assert split_html("  \n\n <b> </b>") == []


def test_prefers_paragraph_breaks() -> None:
    first = "a" * 30 + " " + "b" * 30
    second = "c" * 30 + " " + "d" * 30
    chunks = split_html(f"{first}\n\n{second}", 80)
    assert chunks == [first, second]


def test_prefers_line_breaks_over_spaces() -> None:
    line1 = "word " * 10 + "end"
    line2 = "more " * 10 + "end"
    chunks = split_html(f"{line1}\n{line2}", 70)
    assert chunks == [line1, line2]


def test_splits_at_spaces_not_inside_words() -> None:
    words = [f"word{i:02d}" for i in range(40)]
    chunks = split_html(" ".join(words), 50)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= 50
        assert all(w in words for w in chunk.split())
    assert " ".join(chunks).split() == words


def test_tags_open_at_a_cut_are_closed_and_reopened() -> None:
    body = " ".join(["lorem"] * 30)
    chunks = split_html(f'<b>Title</b>\n<a href="https://x.y/a?b=1&amp;c=2">{body}</a>', 60)
    assert len(chunks) > 2
    for chunk in chunks[1:]:
        assert chunk.startswith('<a href="https://x.y/a?b=1&amp;c=2">')
    for chunk in chunks:
        assert well_formed(chunk)
        assert len(chunk) <= 60


def test_nested_tags_reopen_in_order() -> None:
    chunks = split_html("<blockquote><i>" + "x " * 40 + "</i></blockquote>", 50)
    assert len(chunks) > 1
    assert all(c.startswith("<blockquote><i>") and c.endswith("</i></blockquote>") for c in chunks)


def test_never_cuts_inside_an_entity() -> None:
    text = "&amp;&lt;&gt;" * 30  # one long "word" made of entities
    chunks = split_html(text, 20)
    for chunk in chunks:
        assert re.fullmatch(r"(&amp;|&lt;|&gt;)+", chunk), chunk
    assert "".join(chunks) == text


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    word = "x" * 250
    chunks = split_html(f"<i>{word}</i>", 100)
    assert all(len(c) <= 100 and well_formed(c) for c in chunks)
    assert "".join(text_content(c) for c in chunks) == word


def test_oversized_single_answer_keeps_markup_per_chunk() -> None:
    answer = html.escape("I read <Dune> & loved it. " * 400)
    chunks = split_html(f"<b>Reading</b>\n• <i>{answer}</i>")
    assert len(chunks) >= 3
    assert all(utf16_len(c) <= 4096 and well_formed(c) for c in chunks)
    joined = squash("".join(text_content(c) for c in chunks))
    assert joined == squash("Reading•" + html.unescape(answer))


def test_counts_astral_characters_as_two_units() -> None:
    text = " ".join(["😀😀😀😀"] * 30)  # 4 emoji = 8 UTF-16 units per word
    chunks = split_html(text, 40)
    assert all(utf16_len(c) <= 40 for c in chunks)
    assert all(len(c) < 40 for c in chunks)
    assert squash("".join(chunks)) == squash(text)


def test_impossible_limit_raises() -> None:
    with pytest.raises(ValueError, match="too long"):
        split_html('<a href="' + "h" * 50 + '">' + "word " * 20 + "</a>", 40)


# --- properties -----------------------------------------------------------------------------

_WORD = st.one_of(
    st.text(alphabet="abcdefghij가나다😀", min_size=1, max_size=12),
    st.sampled_from(["&amp;", "&lt;", "&gt;", "a&amp;b", "x" * 90]),
)
_SPACE = st.sampled_from([" ", "  ", "\n", "\n\n", " \n"])
_TAGS = st.sampled_from(["b", "i", "u", "s", "code", "tg-spoiler", "blockquote", "a"])


def _open(tag: str) -> str:
    return '<a href="https://t.me/x?a=1&amp;b=2">' if tag == "a" else f"<{tag}>"


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0, in_link: bool = False) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        if depth < 3 and draw(st.integers(0, 5)) == 0:
            tag = draw(_TAGS)
            if tag == "a" and in_link:
                tag = "b"  # Telegram does not allow a link inside a link
            inner = draw(_markup(depth + 1, in_link or tag == "a"))
            parts.append(_open(tag) + inner + f"</{tag}>")
        else:
            parts.append(draw(_WORD))
        parts.append(draw(_SPACE))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_markup(), st.integers(min_value=100, max_value=300))
def test_property_chunks_fit_are_well_formed_and_keep_the_text(markup: str, limit: int) -> None:
    chunks = split_html(markup, limit)
    for chunk in chunks:
        assert utf16_len(chunk) <= limit
        assert well_formed(chunk)
        assert text_content(chunk).strip()
    assert squash("".join(text_content(c) for c in chunks)) == squash(text_content(markup))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc가", min_size=1, max_size=20), min_size=1, max_size=60))
def test_property_words_survive_whole(words: list[str]) -> None:
    chunks = split_html(" ".join(words), 64)
    assert [w for c in chunks for w in c.split()] == words
