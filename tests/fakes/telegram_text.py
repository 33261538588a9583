"""Telegram's rules for formatted text, for the fake Bot API: HTML and MarkdownV2 parsing.

The parsers follow Telegram's server (tdlib ``parse_html`` / ``parse_markdown_v2``): they turn
the text a bot sends into the plain text a user sees plus message entities, with offsets and
lengths in UTF-16 code units, and raise :class:`EntityParseError` where Telegram answers
``400 Bad Request: can't parse entities``.

The HTML parser is deliberately *stricter* than Telegram in one way: a bare ``&`` that does not
start a supported entity, a bare ``>``, and named entities other than ``&lt; &gt; &amp; &quot;``
are errors here (Telegram would show them literally). Those are exactly the marks of user text
that was inserted without escaping, which is the bug this fake exists to catch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "EntityParseError",
    "ParsedText",
    "parse_html",
    "parse_markdown_v2",
    "utf16_len",
]

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_ENTITY_TYPE_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_LINK_SCHEMES = ("http://", "https://", "tg://", "ton://", "mailto:")


class EntityParseError(ValueError):
    """The text is not valid for its parse mode; ``str(error)`` is Telegram's detail text."""


@dataclass(frozen=True)
class ParsedText:
    """What the user sees: plain text plus Bot API ``MessageEntity`` dicts."""

    text: str
    entities: list[dict[str, Any]]


def utf16_len(text: str) -> int:
    """Length of ``text`` the way Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _sorted_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int
    byte_offset: int


class _HtmlParser:
    """One pass over Telegram HTML, in the manner of tdlib's ``parse_html``."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def error(self, detail: str) -> EntityParseError:
        return EntityParseError(detail)

    def at(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def parse(self) -> ParsedText:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                decoded, self.pos = self.entity(self.pos)
                self.emit(decoded)
            elif char == ">":
                raise self.error(
                    f'Unescaped ">" at byte offset {_byte_offset(src, self.pos)}; '
                    "all <, > and & that are not part of a tag must be escaped"
                )
            elif char == "<":
                if self.at(self.pos + 1) == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                self.emit(char)
                self.pos += 1
        if self.stack:
            raise self.error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        return ParsedText("".join(self.out), _sorted_entities(self.entities))

    def entity(self, start: int) -> tuple[str, int]:
        """Decode the HTML entity at ``start``; only the forms Telegram supports."""
        src = self.src
        end = src.find(";", start + 1, start + 12)
        body = src[start + 1 : end] if end != -1 else ""
        decoded: str | None = None
        if body in _NAMED_ENTITIES:
            decoded = _NAMED_ENTITIES[body]
        elif body.startswith("#") and len(body) > 1:
            digits = body[1:]
            try:
                code = int(digits[1:], 16) if digits[0] in "xX" else int(digits, 10)
            except ValueError:
                code = -1
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                decoded = chr(code)
        if decoded is None:
            raise self.error(
                f'Unsupported HTML entity or unescaped "&" at byte offset '
                f"{_byte_offset(src, start)}; only &lt; &gt; &amp; &quot; and numeric "
                "entities are supported"
            )
        return decoded, end + 1

    def skip_spaces(self) -> None:
        while self.at(self.pos).isspace():
            self.pos += 1

    def start_tag(self) -> None:
        src = self.src
        begin = self.pos
        begin_bytes = _byte_offset(src, begin)
        self.pos += 1
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] != ">":
            self.pos += 1
        if self.pos >= len(src):
            raise self.error(f"Unclosed start tag at byte offset {begin_bytes}")
        name = src[begin + 1 : self.pos].lower()
        if name not in _ENTITY_TYPE_OF_TAG:
            raise self.error(f'Unsupported start tag "{name}" at byte offset {begin_bytes}')
        attributes: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.pos >= len(src):
                raise self.error(f"Unclosed start tag at byte offset {begin_bytes}")
            if src[self.pos] == ">":
                self.pos += 1
                break
            attr_begin = self.pos
            while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] not in "=>":
                self.pos += 1
            attr_name = src[attr_begin : self.pos].lower()
            if not attr_name:
                raise self.error(
                    f'Empty attribute name in the tag "{name}" at byte offset {begin_bytes}'
                )
            self.skip_spaces()
            if self.at(self.pos) != "=":
                if name == "blockquote" and attr_name == "expandable":
                    attributes[attr_name] = ""
                    continue
                raise self.error(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {begin_bytes}"
                )
            self.pos += 1
            self.skip_spaces()
            attributes[attr_name] = self.attribute_value(begin_bytes)
        self.open_tag(name, attributes, begin_bytes)

    def attribute_value(self, tag_bytes: int) -> str:
        src = self.src
        quote = self.at(self.pos)
        if not quote:
            raise self.error(f"Unclosed start tag at byte offset {tag_bytes}")
        value: list[str] = []
        if quote in "'\"":
            self.pos += 1
            while self.pos < len(src) and src[self.pos] != quote:
                if src[self.pos] == "&":
                    decoded, self.pos = self.entity(self.pos)
                    value.append(decoded)
                else:
                    value.append(src[self.pos])
                    self.pos += 1
            if self.pos >= len(src):
                raise self.error(f"Unclosed start tag at byte offset {tag_bytes}")
            self.pos += 1
            return "".join(value)
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] != ">":
            value.append(src[self.pos])
            self.pos += 1
        return "".join(value)

    def open_tag(self, name: str, attributes: dict[str, str], begin_bytes: int) -> None:
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self.error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin_bytes}'
            )
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise self.error(
                f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {begin_bytes}'
            )
        if name == "blockquote" and any(t.name == "blockquote" for t in self.stack):
            raise self.error(f"Blockquotes can't be nested; byte offset {begin_bytes}")
        self.stack.append(_OpenTag(name, attributes, self.utf16, begin_bytes))

    def end_tag(self) -> None:
        src = self.src
        begin = self.pos
        begin_bytes = _byte_offset(src, begin)
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {begin_bytes}")
        self.pos += 2
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] != ">":
            self.pos += 1
        name = src[begin + 2 : self.pos].lower()
        self.skip_spaces()
        if self.at(self.pos) != ">":
            raise self.error(f"Unclosed end tag at byte offset {begin_bytes}")
        self.pos += 1
        tag = self.stack.pop()
        if name and name != tag.name:
            raise self.error(
                f'Unmatched end tag at byte offset {begin_bytes}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self.close_entity(tag)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.offset
        if length <= 0:
            return
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPE_OF_TAG[tag.name],
            "offset": tag.offset,
            "length": length,
        }
        if tag.name == "a":
            url = tag.attributes.get("href", "")
            if not url.startswith(_LINK_SCHEMES):
                return  # Telegram silently drops links it cannot open
            entity["url"] = url
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attributes["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "code":
            language = tag.attributes.get("class", "")
            if language.startswith("language-"):
                entity["language"] = language.removeprefix("language-")
        elif tag.name == "pre" and self.entities:
            inner = self.entities[-1]
            if (
                inner["type"] == "code"
                and inner["offset"] == tag.offset
                and inner["length"] == length
            ):
                self.entities.pop()
                if "language" in inner:
                    entity["language"] = inner["language"]
        self.entities.append(entity)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML (``parse_mode="HTML"``) into text and entities, or raise."""
    return _HtmlParser(source).parse()


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


@dataclass
class _MdOpen:
    kind: str
    offset: int
    byte_offset: int
    language: str = ""


_MDV2_CLOSER = {
    "bold": "*",
    "italic": "_",
    "underline": "__",
    "strikethrough": "~",
    "spoiler": "||",
    "code": "`",
    "pre": "```",
    "text_link": "]",
    "custom_emoji": "]",
}


def parse_markdown_v2(source: str) -> ParsedText:
    """Parse ``parse_mode="MarkdownV2"`` text into text and entities, or raise.

    Covers Telegram's inline entities, links, code and pre blocks and escaping rules; block
    quotes (``>`` at line start) are accepted as plain blockquote entities per line.
    """
    out: list[str] = []
    utf16 = 0
    stack: list[_MdOpen] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)

    def emit(text: str) -> None:
        nonlocal utf16
        out.append(text)
        utf16 += utf16_len(text)

    def reserved_error(char: str, index: int) -> EntityParseError:
        return EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            f" (byte offset {_byte_offset(source, index)})"
        )

    quote_start: int | None = None
    while i < n:
        char = source[i]
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        if char == "\\" and i + 1 < n and 0 < ord(source[i + 1]) < 127:
            emit(source[i + 1])
            i += 2
            continue
        if char == ">" and not in_code and (i == 0 or source[i - 1] == "\n"):
            quote_start = utf16 if quote_start is None else quote_start
            i += 1
            continue
        if char == "\n" and quote_start is not None and not source.startswith(">", i + 1):
            if utf16 > quote_start:
                entities.append(
                    {"type": "blockquote", "offset": quote_start, "length": utf16 - quote_start}
                )
            quote_start = None
        if in_code:
            closer = _MDV2_CLOSER[stack[-1].kind]
            if source.startswith(closer, i):
                pass
            elif char == "`":
                raise reserved_error(char, i)
            else:
                emit(char)
                i += 1
                continue
        if char not in _MDV2_RESERVED:
            emit(char)
            i += 1
            continue
        top = stack[-1] if stack else None
        if top is not None and source.startswith(_MDV2_CLOSER[top.kind], i):
            if top.kind == "italic" and source.startswith("__", i):
                top = None  # "__" inside italic opens underline instead
        elif top is not None:
            top = None
        if top is not None:
            stack.pop()
            i += len(_MDV2_CLOSER[top.kind])
            entity: dict[str, Any] = {
                "type": top.kind,
                "offset": top.offset,
                "length": utf16 - top.offset,
            }
            if top.kind in ("text_link", "custom_emoji"):
                if not source.startswith("(", i):
                    raise EntityParseError(
                        f"Can't find end of a {top.kind} URL at byte offset {top.byte_offset}"
                    )
                url_end = i + 1
                url: list[str] = []
                while url_end < n and source[url_end] != ")":
                    if source[url_end] == "\\" and url_end + 1 < n:
                        url_end += 1
                    url.append(source[url_end])
                    url_end += 1
                if url_end >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(source, i)}"
                    )
                i = url_end + 1
                target = "".join(url)
                if top.kind == "custom_emoji":
                    entity["custom_emoji_id"] = target.removeprefix("tg://emoji?id=")
                elif target.startswith(_LINK_SCHEMES):
                    entity["url"] = target
                else:
                    continue
            if top.kind == "pre" and top.language:
                entity["language"] = top.language
            if entity["length"] > 0:
                entities.append(entity)
            continue
        begin = i
        kind: str
        if source.startswith("__", i):
            kind, i = "underline", i + 2
        elif char == "_":
            kind, i = "italic", i + 1
        elif char == "*":
            kind, i = "bold", i + 1
        elif char == "~":
            kind, i = "strikethrough", i + 1
        elif source.startswith("||", i):
            kind, i = "spoiler", i + 2
        elif char == "[":
            kind, i = "text_link", i + 1
        elif source.startswith("![", i):
            kind, i = "custom_emoji", i + 2
        elif source.startswith("```", i):
            kind, i = "pre", i + 3
            line_end = source.find("\n", i)
            language = source[i:line_end] if line_end != -1 else ""
            if line_end != -1 and language and " " not in language:
                i = line_end + 1
            else:
                language = ""
                if source.startswith("\n", i):
                    i += 1
            stack.append(_MdOpen(kind, utf16, _byte_offset(source, begin), language))
            continue
        elif char == "`":
            kind, i = "code", i + 1
        else:
            raise reserved_error(char, begin)
        stack.append(_MdOpen(kind, utf16, _byte_offset(source, begin)))
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {top.kind.replace('_', ' ').title()} entity at byte offset "
            f"{top.byte_offset}"
        )
    if quote_start is not None and utf16 > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": utf16 - quote_start}
        )
    return ParsedText("".join(out), _sorted_entities(entities))
