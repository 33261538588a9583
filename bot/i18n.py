"""User-facing text: gettext catalogs (``bot/locale/<lang>/*.po``) loaded through Babel.

Message ids are stable keys such as ``welcome.body``; every language, English included, has a
complete catalog. A language directory may hold several ``.po`` files (one per feature); they
are merged. Values passed to a :class:`Translator` are HTML-escaped unless wrapped in
:class:`Safe`, so user text can never break a Telegram HTML message.
"""

from __future__ import annotations

import functools
import html
import io
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: tuple[str, ...] = ("en", "ko")
DEFAULT_LANGUAGE = "en"


class Safe(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def pick_language(language_code: str | None) -> str:
    """Map Telegram's ``language_code`` (``ko``, ``ko-KR``, ``en-US`` …) to a supported one."""
    if language_code:
        base = language_code.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


@functools.cache
def load_catalog(lang: str) -> Catalog:
    """All ``.po`` files of ``lang`` merged into one Babel catalog."""
    merged = Catalog(locale=lang, domain="messages")
    files = sorted((LOCALE_DIR / lang).glob("*.po"))
    if not files:
        raise LookupError(f"no message catalog for language {lang!r}")
    for path in files:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            if merged.get(message.id) is not None:
                raise ValueError(f"{path.name}: duplicate message id {message.id!r}")
            merged[message.id] = message
    return merged


@functools.cache
def _translations(lang: str) -> Translations:
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(lang))
    buffer.seek(0)
    return Translations(fp=buffer)


def _escape(value: Any) -> Any:
    if isinstance(value, Safe):
        return value
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


class Translator:
    """Text in one language. ``tr(key, **values)`` for HTML, ``tr.plain`` for files."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._catalog = load_catalog(self.lang)
        self._translations = _translations(self.lang)

    def _template(self, key: str) -> str:
        if self._catalog.get(key) is None:
            raise KeyError(f"message {key!r} is missing from the {self.lang} catalog")
        return str(self._translations.gettext(key))

    def __call__(self, key: str, /, **values: Any) -> str:
        """The HTML text for ``key``; string values are escaped (exactly once: the result is
        :class:`Safe`, so passing it into another message does not escape it again)."""
        template = self._template(key)
        return Safe(template.format(**{k: _escape(v) for k, v in values.items()}))

    def plain(self, key: str, /, **values: Any) -> str:
        """The text for ``key`` with values inserted verbatim (Markdown, file names, logs)."""
        return self._template(key).format(**values)

    def n(self, key: str, count: int, /, **values: Any) -> str:
        """The plural-aware HTML text for ``key`` (``msgid_plural`` is ``<key>.plural``)."""
        if self._catalog.get(key) is None:
            raise KeyError(f"message {key!r} is missing from the {self.lang} catalog")
        template = str(self._translations.ngettext(key, key + ".plural", count))
        return Safe(template.format(count=count, **{k: _escape(v) for k, v in values.items()}))

    def n_plain(self, key: str, count: int, /, **values: Any) -> str:
        if self._catalog.get(key) is None:
            raise KeyError(f"message {key!r} is missing from the {self.lang} catalog")
        template = str(self._translations.ngettext(key, key + ".plural", count))
        return template.format(count=count, **values)

    def has(self, key: str) -> bool:
        return self._catalog.get(key) is not None


@functools.cache
def translator(lang: str) -> Translator:
    """The shared translator for ``lang`` (unknown languages fall back to English)."""
    return Translator(lang)
