"""The message catalogs and the Translator: complete, consistent, valid Telegram HTML.

Keys and files are discovered at run time (catalogs are edited by several people), so adding a
message to one language only, or using a key in code that no catalog has, fails here.
"""

from __future__ import annotations

import ast
import functools
import re
import string
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALE_DIR,
    Safe,
    Translator,
    load_catalog,
    pick_language,
    translator,
)
from tests.fakes.telegram_text import EntityParseError, parse_html

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"
EXPECTED_PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "ko": "nplurals=1; plural=0;"}
TRANSLATOR_METHODS = {"n", "plain", "n_plain"}


# ---------------------------------------------------------------------------- helpers


def po_files(lang: str) -> list[Path]:
    return sorted((LOCALE_DIR / lang).glob("*.po"))


def messages(lang: str) -> dict[str, Message]:
    """Every message of ``lang`` by key (the header left out)."""
    return {key_of(m): m for m in load_catalog(lang) if m.id}


def key_of(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple | list) else str(message.id)


def forms(message: Message) -> tuple[str, ...]:
    """The translated text(s): one for a simple message, one per plural form otherwise."""
    if isinstance(message.string, tuple | list):
        return tuple(str(form or "") for form in message.string)
    return (str(message.string or ""),)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def message_placeholders(message: Message) -> set[str]:
    return set().union(*(placeholders(f) for f in forms(message)))


def dummy_values(message: Message, value: str = "x") -> dict[str, str]:
    """A value for every placeholder (``count`` of a plural message comes from ``tr.n``)."""
    names = message_placeholders(message)
    if message.pluralizable:
        names -= {"count"}
    return dict.fromkeys(names, value)


# ---------------------------------------------------------------------------- catalog files


def test_every_language_has_catalog_files() -> None:
    assert set(LANGUAGES) >= {"en", "ko"}
    for lang in LANGUAGES:
        assert po_files(lang), f"no .po files in bot/locale/{lang}"


def test_the_same_files_exist_for_every_language() -> None:
    names = {lang: {p.name for p in po_files(lang)} for lang in LANGUAGES}
    assert names["ko"] == names["en"]


@pytest.mark.parametrize(
    "path",
    [p for lang in LANGUAGES for p in po_files(lang)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_po_header_declares_utf8_and_plural_forms(path: Path) -> None:
    lang = path.parent.name
    text = path.read_text(encoding="utf-8")
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert f'"Plural-Forms: {EXPECTED_PLURAL_FORMS[lang]}\\n"' in text
    with path.open("rb") as fh:
        catalog: Catalog = read_po(fh, locale=lang)
    assert catalog.plural_forms == EXPECTED_PLURAL_FORMS[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_id_is_defined_twice(lang: str) -> None:
    """Babel silently keeps one of two equal ids in one file; the bot would show the other."""
    found: Counter[str] = Counter()
    for path in po_files(lang):
        found.update(re.findall(r'^msgid "(.+)"\s*$', path.read_text(encoding="utf-8"), re.M))
    assert [key for key, n in found.items() if n > 1] == []
    assert set(found) == set(messages(lang)), "a msgid spans several lines or failed to parse"


# ---------------------------------------------------------------------------- completeness


def test_english_and_korean_have_the_same_message_ids() -> None:
    en, ko = set(messages("en")), set(messages("ko"))
    assert sorted(en - ko) == [], "missing from ko"
    assert sorted(ko - en) == [], "missing from en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_translation_is_empty_or_fuzzy(lang: str) -> None:
    """Empty and fuzzy entries are left out of the compiled catalog: users would see the key."""
    empty = [k for k, m in messages(lang).items() if not all(f.strip() for f in forms(m))]
    fuzzy = [k for k, m in messages(lang).items() if m.fuzzy]
    assert empty == []
    assert fuzzy == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_reach_users_instead_of_keys(lang: str) -> None:
    tr = translator(lang)
    for key, message in messages(lang).items():
        values = dummy_values(message)
        if message.pluralizable:
            for count in (1, 2):
                text = tr.n_plain(key, count, **values)
                assert text not in (key, f"{key}.plural"), f"{key} is not translated in {lang}"
        else:
            assert tr.plain(key, **values) != key, f"{key} is not translated in {lang}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_have_the_right_number_of_forms(lang: str) -> None:
    catalog = load_catalog(lang)
    expected = int(re.search(r"nplurals=(\d+)", EXPECTED_PLURAL_FORMS[lang]).group(1))  # type: ignore[union-attr]
    assert catalog.num_plurals == expected
    for key, message in messages(lang).items():
        if message.pluralizable:
            assert len(forms(message)) == expected, key
            assert message.id[1] == f"{key}.plural", f"{key}: msgid_plural must be <key>.plural"


def test_plural_entries_are_plural_in_every_language() -> None:
    en, ko = messages("en"), messages("ko")
    for key in set(en) & set(ko):
        assert en[key].pluralizable == ko[key].pluralizable, key


def test_placeholders_are_identical_between_languages() -> None:
    en, ko = messages("en"), messages("ko")
    different = {
        key: (sorted(message_placeholders(en[key])), sorted(message_placeholders(ko[key])))
        for key in sorted(set(en) & set(ko))
        if message_placeholders(en[key]) != message_placeholders(ko[key])
    }
    assert different == {}


# ---------------------------------------------------------------------------- keys used in code


@dataclass(frozen=True)
class Use:
    """One translator call in bot/: the key (a regex for f-string keys) and the method."""

    pattern: str
    literal: str | None
    method: str  # "__call__", "n", "plain" or "n_plain"
    where: str

    def matches(self, key: str) -> bool:
        return re.fullmatch(self.pattern, key) is not None


def _translator(node: ast.expr) -> bool:
    """``tr``, ``turn.tr``, ``self.tr`` or ``translator(...)``."""
    if isinstance(node, ast.Name):
        return node.id == "tr"
    if isinstance(node, ast.Attribute):
        return node.attr == "tr"
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "translator"
    return False


def _method(func: ast.expr) -> str | None:
    """How a call looks a message up, or None when it is not a message lookup."""
    if isinstance(func, ast.Attribute) and func.attr in TRANSLATOR_METHODS:
        return func.attr if _translator(func.value) else None
    if isinstance(func, ast.Name | ast.Attribute | ast.Call) and _translator(func):
        return "__call__"  # tr("k"), turn.tr("k"), translator(lang)("k")
    return None


def _key_patterns(node: ast.expr) -> Iterator[tuple[str, str | None]]:
    """(regex, literal) for each key an argument can be: constants, f-strings, ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield re.escape(node.value), node.value
    elif isinstance(node, ast.JoinedStr):
        parts = [
            re.escape(str(v.value)) if isinstance(v, ast.Constant) else r"[^.]+"
            for v in node.values
        ]
        yield "".join(parts), None
    elif isinstance(node, ast.IfExp):
        yield from _key_patterns(node.body)
        yield from _key_patterns(node.orelse)
    # Keys in variables cannot be followed; the computed families are checked below.


def scan(source: str, where: str = "<string>") -> Iterator[Use]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            method = _method(node.func)
            if method is not None:
                for pattern, literal in _key_patterns(node.args[0]):
                    yield Use(pattern, literal, method, f"{where}:{node.lineno}")


@functools.cache
def uses_in_code() -> tuple[Use, ...]:
    """Every translator call under bot/ (the i18n module itself and migrations left out)."""
    found: list[Use] = []
    for path in sorted(BOT_DIR.rglob("*.py")):
        if path.name == "i18n.py" or "migrations" in path.parts:
            continue
        where = str(path.relative_to(BOT_DIR.parent))
        found.extend(scan(path.read_text(encoding="utf-8"), where))
    return tuple(found)


def keys_used_in_code() -> dict[str, list[str]]:
    """Literal message keys passed to a translator anywhere under bot/, with where."""
    used: dict[str, list[str]] = {}
    for use in uses_in_code():
        if use.literal is not None:
            used.setdefault(use.literal, []).append(use.where)
    return used


def test_scan_understands_every_call_shape() -> None:
    source = """
tr("a.plain_call")
turn.tr("b.turn")
tr.plain("c.plain")
tr.n("d.plural", 2)
turn.tr.n("e.turn_plural", 2)
self.tr.n_plain("f.self", 1)
translator("en")("g.direct")
tr("h.yes" if x else "i.no")
tr(f"computed.{name}.title")
tr.has("j.has_is_a_check")
other("k.not_a_translator")
translator("en")
"""
    found = {(u.literal, u.method) for u in scan(source)}
    assert found == {
        ("a.plain_call", "__call__"),
        ("b.turn", "__call__"),
        ("c.plain", "plain"),
        ("d.plural", "n"),
        ("e.turn_plural", "n"),
        ("f.self", "n_plain"),
        ("g.direct", "__call__"),
        ("h.yes", "__call__"),
        ("i.no", "__call__"),
        (None, "__call__"),
    }
    computed = next(u for u in scan(source) if u.literal is None)
    assert computed.matches("computed.win.title")
    assert not computed.matches("computed.win.text.title")


def test_code_scan_finds_translator_calls() -> None:
    """Guard for the scan itself: it must see the calls it exists to check."""
    used = keys_used_in_code()
    assert len(used) > 20
    assert "refused.group" in used  # translator(language)("refused.group")
    assert any(k.startswith("review.") for k in used)  # turn.tr(...), tr.n(...)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_used_in_code_exists(lang: str) -> None:
    known = set(messages(lang))
    missing = {key: where for key, where in keys_used_in_code().items() if key not in known}
    assert missing == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_lookups_use_plural_messages(lang: str) -> None:
    """``tr.n`` on a simple message (or ``tr`` on a plural one) shows the wrong text."""
    catalog = messages(lang)
    wrong = [
        (use.literal, use.method, use.where)
        for use in uses_in_code()
        if use.literal in catalog
        and catalog[use.literal].pluralizable != (use.method in {"n", "n_plain"})
    ]
    assert wrong == []


def plain_only(key: str) -> bool:
    """True when every lookup of ``key`` in code is ``plain``/``n_plain`` (text, not HTML).

    Such templates go into Markdown files or are inserted into HTML as escaped values, so a
    literal "&" in them is right. Keys the scan cannot see are treated as HTML.
    """
    uses = [u for u in uses_in_code() if u.matches(key)]
    return bool(uses) and all(u.method in {"plain", "n_plain"} for u in uses)


# ---------------------------------------------------------------------------- Telegram HTML


def rendered(lang: str) -> Iterator[tuple[str, str]]:
    """Every HTML template of ``lang`` filled with dummy values, as the bot would send it."""
    tr = translator(lang)
    for key, message in messages(lang).items():
        if plain_only(key):
            continue
        if message.pluralizable:
            for count in (0, 1, 2, 5):
                yield key, tr.n(key, count, **dummy_values(message))
        else:
            yield key, tr(key, **dummy_values(message))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_html_template_is_valid_telegram_html(lang: str) -> None:
    broken = {}
    for key, text in rendered(lang):
        try:
            parse_html(text)
        except EntityParseError as exc:
            broken[key] = str(exc)
    assert broken == {}


def test_most_templates_are_checked_as_html() -> None:
    """Guard: the plain-text exemption must stay the exception."""
    checked = {key for key, _ in rendered("en")}
    assert len(checked) > len(messages("en")) / 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_have_no_unknown_format_fields(lang: str) -> None:
    """Only simple ``{name}`` fields: no attribute access, indexing, specs or conversions."""
    for key, message in messages(lang).items():
        for text in forms(message):
            for _, name, spec, conversion in string.Formatter().parse(text):
                if name is None:
                    continue
                assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), (key, name)
                assert not spec, (key, spec)
                assert conversion is None, (key, conversion)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_has_text_and_title(lang: str) -> None:
    from bot.domain.questions import DEFAULT_QUESTIONS, ROTATING_BANK

    known = set(messages(lang))
    keys = [q.key for q in (*DEFAULT_QUESTIONS, *ROTATING_BANK)]
    missing = [
        k for key in keys for k in (f"question.{key}", f"question.{key}.title") if k not in known
    ]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_command_has_a_description(lang: str) -> None:
    from bot.handlers.commands import COMMANDS

    known = set(messages(lang))
    assert [name for name in COMMANDS if f"command.{name}" not in known] == []
    for name in COMMANDS:
        # Telegram's limit for a BotCommand description.
        assert 1 <= len(translator(lang).plain(f"command.{name}")) <= 256, name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_a_name_in_every_language(lang: str) -> None:
    known = set(messages(lang))
    assert [other for other in LANGUAGES if f"language.name.{other}" not in known] == []


# ---------------------------------------------------------------------------- Translator


@pytest.fixture
def en() -> Translator:
    return translator("en")


def one_value_key(lang: str = "en") -> tuple[str, str]:
    """Some non-plural key with exactly one placeholder, and that placeholder's name."""
    for key, message in sorted(messages(lang).items()):
        names = message_placeholders(message)
        if not message.pluralizable and len(names) == 1:
            return key, names.pop()
    raise AssertionError("no message with one placeholder")


def test_values_are_html_escaped(en: Translator) -> None:
    key, name = one_value_key()
    text = en(key, **{name: "<b>Tom & Jerry</b>"})
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in text
    assert "Tom & Jerry" in parse_html(text).text


def test_safe_values_are_inserted_as_they_are(en: Translator) -> None:
    key, name = one_value_key()
    text = en(key, **{name: Safe("<i>already html</i>")})
    assert "<i>already html</i>" in text
    assert any(e["type"] == "italic" for e in parse_html(text).entities)


def test_non_string_values_are_formatted(en: Translator) -> None:
    key, name = one_value_key()
    assert "12345" in en(key, **{name: 12345})


def test_plain_does_not_escape(en: Translator) -> None:
    key, name = one_value_key()
    assert "a < b & c" in en.plain(key, **{name: "a < b & c"})


def test_plural_values_are_escaped_and_plain_plural_is_not(en: Translator) -> None:
    plural = [
        (k, m)
        for k, m in sorted(messages("en").items())
        if m.pluralizable and message_placeholders(m) - {"count"}
    ]
    if not plural:
        pytest.skip("no plural message with a value besides count")
    key, message = plural[0]
    values = dummy_values(message, "<&>")
    assert "&lt;&amp;&gt;" in en.n(key, 3, **values)
    assert "<&>" in en.n_plain(key, 3, **values)


def test_english_plural_forms_follow_the_count(en: Translator) -> None:
    plural = [k for k, m in sorted(messages("en").items()) if m.pluralizable]
    assert plural, "expected at least one plural message"
    for key in plural:
        values = dummy_values(messages("en")[key])
        one, many = forms(messages("en")[key])
        assert en.n_plain(key, 1, **values) == one.format(count=1, **values)
        assert en.n_plain(key, 7, **values) == many.format(count=7, **values)


def test_korean_uses_its_single_form_for_every_count() -> None:
    ko = translator("ko")
    plural = [k for k, m in sorted(messages("ko").items()) if m.pluralizable]
    for key in plural:
        values = dummy_values(messages("ko")[key])
        (only,) = forms(messages("ko")[key])
        for count in (1, 2, 11):
            assert ko.n_plain(key, count, **values) == only.format(count=count, **values)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_keys_raise_key_error(lang: str) -> None:
    tr = translator(lang)
    with pytest.raises(KeyError):
        tr("no.such.key.anywhere")
    with pytest.raises(KeyError):
        tr.plain("no.such.key.anywhere")
    with pytest.raises(KeyError):
        tr.n("no.such.key.anywhere", 2)
    with pytest.raises(KeyError):
        tr.n_plain("no.such.key.anywhere", 2)
    assert not tr.has("no.such.key.anywhere")


def test_unknown_language_falls_back_to_english(en: Translator) -> None:
    de = translator("de")
    assert de.lang == DEFAULT_LANGUAGE == "en"
    key = sorted(k for k, m in messages("en").items() if not m.pluralizable)[0]
    values = dummy_values(messages("en")[key])
    assert de(key, **values) == en(key, **values)


def test_korean_text_differs_from_english() -> None:
    """Catches a ko catalog that is a copy of the English one."""
    en, ko = messages("en"), messages("ko")
    same = [k for k in en if k in ko and forms(en[k]) == forms(ko[k])]
    assert len(same) < len(en) / 4, same


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ko", "ko"),
        ("ko-KR", "ko"),
        ("KO_kr", "ko"),
        ("en", "en"),
        ("en-US", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_pick_language(code: str | None, expected: str) -> None:
    assert pick_language(code) == expected


def test_korean_draft_summary_counts_with_korean_counters() -> None:
    summary = translator("ko")(
        "draft.summary",
        year=2026,
        answered=40,
        total=53,
        longest=12,
        notes=3,
        photos=1,
        highlights=9,
        starred=2,
    )
    assert "메모 3개 · 사진 1장" in summary
    assert "<b>40</b>/53주" in summary
