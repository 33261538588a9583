"""Split long Telegram HTML into messages that fit Telegram's 4096-character limit.

Cuts go at paragraph breaks first, then line breaks, then spaces; never inside a tag, an
entity (``&amp;``) or a word, unless one word alone is longer than a message. Tags open at a
cut are closed at the end of the chunk and reopened at the start of the next one, so every
chunk is valid HTML on its own. The whitespace at a cut is dropped.

Sizes are measured in UTF-16 code units of the HTML source. Telegram counts UTF-16 code units
of the text after parsing the markup, which is never more than that, so the measure is safe.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from enum import IntEnum

TELEGRAM_LIMIT = 4096

# A tag, or an entity; everything else is text. A lone "<" or "&" stays text.
_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_SEGMENT = re.compile(r"\s+|\S+")
_TAG = re.compile(r"<[^<>]*>")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def text_content(html: str) -> str:
    """The text a reader sees: tags removed, entities decoded."""
    return htmllib.unescape(_TAG.sub("", html))


class _Kind(IntEnum):
    TEXT = 0
    ENTITY = 1
    OPEN = 2
    CLOSE = 3


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    start: int  # offset in the source
    raw: str
    name: str = ""  # tag name, lower case

    @property
    def closer(self) -> str:
        return f"</{self.name}>"


class _Level(IntEnum):
    """How good a cut point is."""

    HARD = 0  # inside a word that does not fit
    SPACE = 1
    LINE = 2
    PARAGRAPH = 3


@dataclass(frozen=True)
class _Cut:
    level: _Level
    end: int  # the chunk's content ends here (source offset)
    resume: int  # the next chunk's content starts here
    token: int  # index of the token that holds ``resume``
    used: int  # UTF-16 units of content before ``end``
    stack: tuple[_Token, ...]  # tags open at the cut


def _tokenize(html: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    for match in _TOKEN.finditer(html):
        if match.start() > pos:
            tokens.append(_Token(_Kind.TEXT, pos, html[pos : match.start()]))
        raw = match.group()
        if raw.startswith("&"):
            tokens.append(_Token(_Kind.ENTITY, match.start(), raw))
        else:
            name_match = _TAG_NAME.match(raw)
            if name_match is None:  # "<>" or "< b>"-like junk: treat as text
                tokens.append(_Token(_Kind.TEXT, match.start(), raw))
            else:
                kind = _Kind.CLOSE if raw.startswith("</") else _Kind.OPEN
                tokens.append(_Token(kind, match.start(), raw, name_match.group(1).lower()))
        pos = match.end()
    if pos < len(html):
        tokens.append(_Token(_Kind.TEXT, pos, html[pos:]))
    return tokens


def _close(stack: list[_Token], name: str) -> None:
    """Pop the innermost open tag called ``name`` (and anything left open inside it)."""
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].name == name:
            del stack[index:]
            return


def _level_of(whitespace: str) -> _Level:
    newlines = whitespace.count("\n")
    if newlines >= 2:
        return _Level.PARAGRAPH
    if newlines == 1:
        return _Level.LINE
    return _Level.SPACE


def _choose(cuts: list[_Cut], budget: int) -> _Cut | None:
    """The best cut: the last of the best kind that still fills half the chunk."""
    soft = [c for c in cuts if c.level is not _Level.HARD and c.used > 0]
    for level in (_Level.PARAGRAPH, _Level.LINE, _Level.SPACE):
        eligible = [c for c in soft if c.level >= level]
        if eligible and eligible[-1].used * 2 >= budget:
            return eligible[-1]
    if soft:
        return soft[-1]
    hard = [c for c in cuts if c.level is _Level.HARD and c.used > 0]
    return hard[-1] if hard else None


class _Splitter:
    def __init__(self, html: str, limit: int) -> None:
        self.html = html
        self.limit = limit
        self.tokens = _tokenize(html)

    def chunks(self) -> list[str]:
        out: list[str] = []
        stack: tuple[_Token, ...] = ()
        token, pos = 0, 0
        while token < len(self.tokens):
            prefix = "".join(t.raw for t in stack)
            budget = self.limit - utf16_len(prefix)
            cut = self._scan(token, pos, stack, budget)
            if cut is None:  # the rest fits
                out.append(prefix + self.html[pos:])
                break
            closers = "".join(t.closer for t in reversed(cut.stack))
            out.append(prefix + self.html[pos : cut.end] + closers)
            stack, token, pos = cut.stack, cut.token, cut.resume
        return [chunk for chunk in out if text_content(chunk).strip()]

    def _scan(
        self, first: int, pos: int, start_stack: tuple[_Token, ...], budget: int
    ) -> _Cut | None:
        """Walk forward from ``pos``; None when everything left fits, else where to cut."""
        stack = list(start_stack)
        closers = sum(utf16_len(t.closer) for t in stack)
        used = 0
        cuts: list[_Cut] = []
        for index in range(first, len(self.tokens)):
            tok = self.tokens[index]
            if tok.kind is _Kind.TEXT:
                offset = max(pos, tok.start)
                for seg in _SEGMENT.finditer(tok.raw, offset - tok.start):
                    seg_start = tok.start + seg.start()
                    seg_end = tok.start + seg.end()
                    text = seg.group()
                    if text.isspace():
                        if used + closers <= budget:
                            level = _level_of(text)
                            cuts.append(_Cut(level, seg_start, seg_end, index, used, tuple(stack)))
                        used += utf16_len(text)
                        continue
                    size = utf16_len(text)
                    if used + size + closers > budget:
                        # The word does not fit: remember where a hard cut inside it goes.
                        room = budget - closers - used
                        taken = _fit(text, room)
                        if taken:
                            end = seg_start + taken
                            units = used + utf16_len(text[:taken])
                            cuts.append(_Cut(_Level.HARD, end, end, index, units, tuple(stack)))
                        return self._pick(cuts, budget)
                    used += size
            else:
                size = utf16_len(tok.raw)
                if tok.kind is _Kind.OPEN:
                    new_closers = closers + utf16_len(tok.closer)
                elif tok.kind is _Kind.CLOSE:
                    new_closers = closers - sum(
                        utf16_len(t.closer) for t in _popped(stack, tok.name)
                    )
                else:
                    new_closers = closers
                # A cut just before this token (no whitespace dropped) is a hard cut.
                if used > 0 and used + closers <= budget:
                    cuts.append(_Cut(_Level.HARD, tok.start, tok.start, index, used, tuple(stack)))
                if used + size + new_closers > budget:
                    return self._pick(cuts, budget)
                used += size
                closers = new_closers
                if tok.kind is _Kind.OPEN:
                    stack.append(tok)
                elif tok.kind is _Kind.CLOSE:
                    _close(stack, tok.name)
        if used + closers <= budget:
            return None
        return self._pick(cuts, budget)

    def _pick(self, cuts: list[_Cut], budget: int) -> _Cut:
        cut = _choose(cuts, budget)
        if cut is None:
            raise ValueError(f"markup too long to split into chunks of {self.limit}")
        return cut


def _popped(stack: list[_Token], name: str) -> list[_Token]:
    """The tags a closing ``</name>`` would pop off ``stack`` (without popping them)."""
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].name == name:
            return stack[index:]
    return []


def _fit(word: str, room: int) -> int:
    """How many characters of ``word`` fit in ``room`` UTF-16 units."""
    units = 0
    for count, ch in enumerate(word):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > room:
            return count
    return len(word)


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into well-formed chunks of at most ``limit`` UTF-16 units.

    Blank input gives no chunks. Raises ValueError only when the open tags alone leave no
    room for text (absurd nesting or attributes for the given limit).
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if not text_content(html).strip():
        return []
    if utf16_len(html) <= limit:
        return [html]
    return _Splitter(html, limit).chunks()
