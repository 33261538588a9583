"""Tests of the fake Telegram Bot API and FakeUser: they must behave like Telegram does."""

from __future__ import annotations

import datetime as dtm
import html
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReactionTypeEmoji,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .telegram_api import FakeBotAPI
from .telegram_text import EntityParseError, parse_html, parse_markdown_v2, utf16_len
from .users import FakeUser

USER_ID = 1111
START = dtm.datetime(2025, 3, 3, 9, 0, tzinfo=dtm.UTC)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.current = START

    def now(self) -> dtm.datetime:
        return self.current


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations (no deprecation warning from RetryAfter)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(clock: Clock) -> FakeBotAPI:
    fake = FakeBotAPI(clock.now)
    fake.add_chat({"id": USER_ID, "type": "private", "first_name": "Ada"})
    return fake


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(api.token, request=api, get_updates_request=api) as real_bot:
        yield real_bot


def _png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    text = update.effective_message.text or update.effective_message.caption or "(media)"
    await update.effective_message.reply_text(f"echo: {html.escape(text)}", parse_mode="HTML")


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="answer:yes"),
                InlineKeyboardButton("No", callback_data="answer:no"),
            ],
            [InlineKeyboardButton("Help", url="https://example.org/help")],
        ]
    )
    await update.effective_message.reply_text(
        "<b>Ready?</b>", parse_mode="HTML", reply_markup=keyboard
    )


async def _on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == "answer:no":
        return  # forgets to answer: the user's spinner keeps spinning
    await query.answer("Saved")
    await query.edit_message_text(f"You said {query.data}")


async def _crash(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raise RuntimeError("handler blew up")


async def _photo_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    photo = update.effective_message.photo[-1]
    data = await (await photo.get_file()).download_as_bytearray()
    await update.effective_message.reply_text(f"got {len(data)} bytes")


@pytest.fixture
async def app(api: FakeBotAPI) -> AsyncIterator[AnyApp]:
    application = (
        ApplicationBuilder().token(api.token).request(api).get_updates_request(api).build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CommandHandler("crash", _crash))
    application.add_handler(CallbackQueryHandler(_on_button))
    application.add_handler(MessageHandler(filters.PHOTO, _photo_size))
    application.add_handler(MessageHandler(~filters.COMMAND, _echo))
    await application.initialize()
    yield application
    await application.shutdown()


@pytest.fixture
def user(app: AnyApp, api: FakeBotAPI) -> FakeUser:
    return FakeUser(app, api, USER_ID)


# ---------------------------------------------------------------------- basics


async def test_get_me_describes_the_bot(bot: Bot, api: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == api.bot_id
    assert me.username == "weekly_review_test_bot"
    assert bot.username == "weekly_review_test_bot"


async def test_sent_message_is_realistic_and_recorded(bot: Bot, api: FakeBotAPI) -> None:
    message = await bot.send_message(USER_ID, "Hello <b>there</b>", parse_mode=ParseMode.HTML)
    assert message.text == "Hello there"
    assert message.entities[0].type == "bold"
    assert message.date == START
    assert message.chat.id == USER_ID
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.id == api.bot_id
    call = api.last_to(USER_ID)
    assert call.method == "sendMessage"
    assert call.params["parse_mode"] == "HTML"
    assert call.html == "Hello <b>there</b>"
    assert call.text == "Hello there"
    assert api.texts_to(USER_ID) == ["Hello there"]


async def test_any_base_url_works_for_calls_and_downloads(api: FakeBotAPI) -> None:
    api.add_file("F1", "U1", b"payload", "documents/file_9.txt", kind="document")
    custom = Bot(
        api.token,
        base_url="http://localhost:8081/bot",
        base_file_url="http://localhost:8081/file/bot",
        request=api,
        get_updates_request=api,
    )
    async with custom:
        await custom.send_message(USER_ID, "hi")
        file = await custom.get_file("F1")
        assert await file.download_as_bytearray() == bytearray(b"payload")
    assert api.texts_to(USER_ID) == ["hi"]


async def test_unknown_method_is_404_like_telegram(bot: Bot, api: FakeBotAPI) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathicHint", api_kwargs={"chat_id": USER_ID})
    assert api.calls_to("sendTelepathicHint")[0].outcome == "not_found"


async def test_method_names_are_case_insensitive(bot: Bot) -> None:
    result = await bot.do_api_request("GETME")
    assert result["username"] == "weekly_review_test_bot"


async def test_unknown_chat_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hello stranger")


# ---------------------------------------------------------------------- text validation


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (html.escape("Tom & Jerry <3 \"q\" 'a'", quote=True), "Tom & Jerry <3 \"q\" 'a'"),
        (html.escape("a > b & c < d", quote=False), "a > b & c < d"),
        ("<b>b</b> <i>i</i> <u>u</u> <s>s</s> <strong>st</strong> <em>em</em>", "b i u s st em"),
        ('<span class="tg-spoiler">hidden</span> <tg-spoiler>too</tg-spoiler>', "hidden too"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a> <code>x</code>', "link x"),
        ('<pre><code class="language-python">print(1)</code></pre>', "print(1)"),
        ("<blockquote expandable>q</blockquote> <ins>i</ins> <del>d</del>", "q i d"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &#128512;&#x1F600;', "👍 😀😀"),
    ],
)
async def test_valid_telegram_html_is_accepted(bot: Bot, text: str, shown: str) -> None:
    message = await bot.send_message(USER_ID, text, parse_mode="HTML")
    assert message.text == shown


async def test_html_becomes_entities(bot: Bot) -> None:
    text = '<b>Week <i>12</i></b> <a href="https://example.org">notes</a>'
    message = await bot.send_message(USER_ID, text, parse_mode="HTML")
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 7),
        ("italic", 5, 2),
        ("text_link", 8, 5),
    ]
    assert message.text_html == text


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>never closed", "Can't find end tag"),
        ("<script>alert(1)</script>", 'Unsupported start tag "script"'),
        ("I <3 you", "Unsupported start tag"),
        ("Tom & Jerry", 'unescaped "&"'),
        ("&nbsp;", "Unsupported HTML entity"),
        ("a > b", 'Unescaped ">"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("</b>", "Unexpected end tag"),
        ("<span>x</span>", "must have class"),
        ('<a href="https://x.org">x', "Can't find end tag"),
        ("<br>", 'Unsupported start tag "br"'),
    ],
)
async def test_malformed_html_is_rejected_like_telegram(
    bot: Bot, api: FakeBotAPI, text: str, detail: str
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities") as info:
        await bot.send_message(USER_ID, text, parse_mode="HTML")
    assert detail.lower() in str(info.value).lower()
    assert api.calls_to("sendMessage")[-1].outcome == "bad_request"
    assert api.messages_to(USER_ID) == []


async def test_html_is_not_checked_without_parse_mode(bot: Bot) -> None:
    message = await bot.send_message(USER_ID, "<b>literally</b> & so on")
    assert message.text == "<b>literally</b> & so on"


async def test_text_limit_is_4096_utf16_units_after_parsing(bot: Bot) -> None:
    await bot.send_message(USER_ID, "x" * 4096)
    await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(USER_ID, "😀" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "x" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "😀" * 2049)


async def test_empty_text_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER_ID, "")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER_ID, "<b> </b>\n", parse_mode="HTML")


async def test_caption_limit_is_1024(bot: Bot) -> None:
    await bot.send_photo(USER_ID, _png(), caption="c" * 1024)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER_ID, _png(), caption="c" * 1025)


async def test_callback_data_over_64_bytes_is_rejected(bot: Bot) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
    await bot.send_message(USER_ID, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER_ID, "too long", reply_markup=too_long)


async def test_markdown_v2_requires_escaping(bot: Bot) -> None:
    message = await bot.send_message(USER_ID, "*Done* 1\\.5", parse_mode="MarkdownV2")
    assert message.text == "Done 1.5"
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(USER_ID, "Done 1.5", parse_mode="MarkdownV2")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_escaped_text_always_parses_back_to_itself(text: str) -> None:
    for escaped in (html.escape(text, quote=False), html.escape(text, quote=True)):
        parsed = parse_html(f"<b>{escaped}</b>")
        assert parsed.text == text


@given(st.text(alphabet="<>&ab ", max_size=20).filter(lambda t: any(c in t for c in "<>&")))
def test_unescaped_markup_characters_never_pass(text: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(text)


def test_utf16_length_counts_like_telegram() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("한국어") == 3
    assert utf16_len("😀") == 2
    entity = parse_html("😀<b>x</b>").entities[0]
    assert (entity["offset"], entity["length"]) == (2, 1)


def test_markdown_v2_link_and_code() -> None:
    parsed = parse_markdown_v2("[site](https://example.org) `a_b`")
    assert parsed.text == "site a_b"
    assert [e["type"] for e in parsed.entities] == ["text_link", "code"]


# ---------------------------------------------------------------------- edit / delete


async def test_edit_updates_state_and_removes_keyboard_when_omitted(
    bot: Bot, api: FakeBotAPI, clock: Clock
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    sent = await bot.send_message(USER_ID, "Question?", reply_markup=keyboard)
    state = api.message_state(USER_ID, sent.message_id)
    assert state.reply_markup == keyboard.to_dict()

    clock.current += dtm.timedelta(minutes=1)
    edited = await bot.edit_message_text("Answered", chat_id=USER_ID, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "Answered"
    after = api.message_state(USER_ID, sent.message_id)
    assert after.text == "Answered"
    assert after.reply_markup is None
    assert after.edits == 1
    assert after.payload["edit_date"] == int(clock.current.timestamp())


async def test_edit_to_identical_content_is_not_modified(bot: Bot) -> None:
    sent = await bot.send_message(USER_ID, "<b>Same</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Same</b>", chat_id=USER_ID, message_id=sent.message_id, parse_mode="HTML"
        )


async def test_edit_reply_markup_replaces_keyboard(bot: Bot, api: FakeBotAPI) -> None:
    sent = await bot.send_message(USER_ID, "Pick")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    await bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=keyboard)
    assert api.message_state(USER_ID, sent.message_id).inline_buttons[0]["text"] == "A"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=keyboard)


async def test_editing_a_missing_message_fails(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=999)


async def test_delete_marks_message_deleted_and_twice_fails(bot: Bot, api: FakeBotAPI) -> None:
    sent = await bot.send_message(USER_ID, "bye")
    assert await bot.delete_message(USER_ID, sent.message_id)
    assert api.message_state(USER_ID, sent.message_id).deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("again", chat_id=USER_ID, message_id=sent.message_id)


async def test_messages_older_than_48_hours_cannot_be_deleted(bot: Bot, clock: Clock) -> None:
    sent = await bot.send_message(USER_ID, "old")
    clock.current += dtm.timedelta(hours=48, seconds=1)
    with pytest.raises(BadRequest, match="can't be deleted"):
        await bot.delete_message(USER_ID, sent.message_id)


# ---------------------------------------------------------------------- failure injection


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("retry_after", RetryAfter),
        ("forbidden", Forbidden),
        ("bad_request", BadRequest),
        ("timeout", TimedOut),
        ("network", NetworkError),
    ],
)
async def test_injected_failures_map_to_ptb_errors(
    bot: Bot, api: FakeBotAPI, kind: Any, error: type[TelegramError]
) -> None:
    api.fail_next("sendMessage", kind)
    with pytest.raises(error):
        await bot.send_message(USER_ID, "first")
    await bot.send_message(USER_ID, "second")
    calls = api.calls_to("sendMessage")
    assert [call.outcome for call in calls] == [kind, "ok"]
    assert api.texts_to(USER_ID) == ["second"]


async def test_retry_after_carries_the_delay(bot: Bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", "retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER_ID, "x")
    assert info.value.retry_after == dtm.timedelta(seconds=7)


async def test_forbidden_says_the_user_blocked_the_bot(bot: Bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", "forbidden")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "x")


async def test_failures_count_down_and_filter_by_chat(bot: Bot, api: FakeBotAPI) -> None:
    api.add_chat({"id": 2222, "type": "private", "first_name": "Bo"})
    api.fail_next("sendMessage", "bad_request", times=2, chat_id=2222)
    await bot.send_message(USER_ID, "unaffected")
    for _ in range(2):
        with pytest.raises(BadRequest):
            await bot.send_message(2222, "x")
    await bot.send_message(2222, "third time lucky")
    assert api.texts_to(2222) == ["third time lucky"]


async def test_timeout_after_delivery_still_reaches_the_user(bot: Bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", "timeout", delivered=True)
    with pytest.raises(TimedOut):
        await bot.send_message(USER_ID, "maybe")
    assert api.texts_to(USER_ID) == ["maybe"]


async def test_blocked_chat_is_forbidden(bot: Bot, api: FakeBotAPI) -> None:
    api.block(USER_ID)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER_ID, "x")
    api.unblock(USER_ID)
    await bot.send_message(USER_ID, "welcome back")


# ---------------------------------------------------------------------- files


async def test_get_file_and_download_registered_bytes(bot: Bot, api: FakeBotAPI) -> None:
    api.add_file("FILE-1", "UNIQ-1", b"\xff\xd8jpeg bytes", "photos/file_1.jpg")
    file = await bot.get_file("FILE-1")
    assert file.file_size == len(b"\xff\xd8jpeg bytes")
    assert await file.download_as_bytearray() == bytearray(b"\xff\xd8jpeg bytes")


async def test_get_file_limits(bot: Bot, api: FakeBotAPI) -> None:
    api.add_file("BIG", "UBIG", b"x", "documents/big.bin", size=20 * 1024 * 1024 + 1)
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file("BIG")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


async def test_uploaded_document_is_kept_and_downloadable(bot: Bot, api: FakeBotAPI) -> None:
    message = await bot.send_document(
        USER_ID,
        b"# Year in review\n",
        filename="review.md",
        caption="Your <b>draft</b>",
        parse_mode="HTML",
    )
    assert message.document is not None
    assert message.document.file_name == "review.md"
    assert message.caption == "Your draft"
    call = api.last_to(USER_ID)
    assert call.files["document"] == ("review.md", b"# Year in review\n")
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"# Year in review\n")


async def test_uploaded_photo_gets_sizes_and_bad_images_fail(bot: Bot, api: FakeBotAPI) -> None:
    message = await bot.send_photo(USER_ID, _png(1000, 500))
    assert [(p.width, p.height) for p in message.photo][-1] == (1000, 500)
    assert message.photo[0].width == 90
    again = await bot.send_photo(USER_ID, message.photo[-1].file_id)
    assert again.photo[-1].file_id == message.photo[-1].file_id
    with pytest.raises(BadRequest, match="File must be non-empty"):
        await bot.send_photo(USER_ID, b"")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER_ID, b"not an image at all")
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER_ID, "AgACunknown")


# ---------------------------------------------------------------------- other methods


async def test_commands_are_stored_per_scope_and_language(bot: Bot, api: FakeBotAPI) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("start", "시작")], language_code="ko")
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("notes", "Notes")], scope=scope)
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    assert [c.description for c in await bot.get_my_commands(language_code="ko")] == ["시작"]
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["notes"]
    assert api.commands_for("ko") == [{"command": "start", "description": "시작"}]
    await bot.delete_my_commands(language_code="ko")
    assert await bot.get_my_commands(language_code="ko") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_chat_action_and_reactions(bot: Bot, api: FakeBotAPI) -> None:
    assert await bot.send_chat_action(USER_ID, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(USER_ID, "dancing")
    sent = await bot.send_message(USER_ID, "nice")
    await bot.set_message_reaction(USER_ID, sent.message_id, [ReactionTypeEmoji("👍")])
    assert api.message_state(USER_ID, sent.message_id).reactions == [
        {"type": "emoji", "emoji": "👍"}
    ]
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(USER_ID, sent.message_id, [ReactionTypeEmoji("🦖")])


async def test_replies_must_point_at_existing_messages(bot: Bot) -> None:
    original = await bot.send_message(USER_ID, "original")
    reply = await bot.send_message(USER_ID, "reply", reply_to_message_id=original.message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "original"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER_ID, "reply", reply_to_message_id=999)


async def test_fail_next_rejects_unknown_method_names(api: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match="sendMesage"):
        api.fail_next("sendMesage", "timeout")


async def test_unknown_callback_query_cannot_be_answered(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")


async def test_lifecycle_methods_answer_like_telegram(bot: Bot) -> None:
    assert await bot.get_updates() == ()
    assert await bot.delete_webhook()
    assert await bot.set_webhook("https://example.org/hook")
    assert await bot.log_out()
    assert await bot.close()


# ---------------------------------------------------------------------- FakeUser


async def test_user_and_bot_share_the_message_id_counter(user: FakeUser, api: FakeBotAPI) -> None:
    first = await user.send("hello")
    reply = api.last_to(USER_ID)
    second = await user.send("again")
    assert (first, reply.message_id, second) == (1, 2, 3)
    assert api.next_message_id(USER_ID) == 5


async def test_echo_escapes_user_text(user: FakeUser) -> None:
    await user.send("Tom & <Jerry>")
    assert user.last_text() == "echo: Tom & <Jerry>"
    assert user.last_html() == "echo: Tom &amp; &lt;Jerry&gt;"


async def test_commands_get_bot_command_entities(user: FakeUser, api: FakeBotAPI) -> None:
    message_id = await user.send("/start@weekly_review_test_bot")
    state = api.message_state(USER_ID, message_id)
    assert state.payload["entities"] == [{"type": "bot_command", "offset": 0, "length": 29}]
    assert user.last_text() == "Ready?"


async def test_tap_sends_the_buttons_callback_data(user: FakeUser, api: FakeBotAPI) -> None:
    await user.send("/start")
    assert user.buttons() == ["Yes", "No", "Help"]
    keyboard_id = await user.tap("Yes")
    state = api.message_state(USER_ID, keyboard_id)
    assert state.text == "You said answer:yes"
    assert state.reply_markup is None
    assert user.last_callback_answer is not None
    assert user.last_callback_answer["text"] == "Saved"


async def test_tap_reports_available_buttons(user: FakeUser) -> None:
    await user.send("/start")
    with pytest.raises(AssertionError, match=r"\['Yes', 'No', 'Help'\]"):
        await user.tap("Maybe")
    with pytest.raises(AssertionError, match="not a callback button"):
        await user.tap("Help")


async def test_tap_requires_the_bot_to_answer(user: FakeUser) -> None:
    await user.send("/start")
    with pytest.raises(AssertionError, match="did not answer the callback query"):
        await user.tap("No")


async def test_tap_after_the_keyboard_was_edited_away_fails(user: FakeUser) -> None:
    await user.send("/start")
    await user.tap("Yes")
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await user.tap("Yes")


async def test_handler_errors_surface_in_the_test(user: FakeUser) -> None:
    with pytest.raises(RuntimeError, match="handler blew up"):
        await user.send("/crash")


async def test_user_photo_is_downloadable_by_the_bot(user: FakeUser) -> None:
    await user.send_photo(caption="sunset")
    assert user.last_text().startswith("got ")
    assert int(user.last_text().split()[1]) > 100


async def test_media_messages_reach_handlers(user: FakeUser, api: FakeBotAPI) -> None:
    mark = user.mark()
    await user.send_voice(duration=12)
    await user.send_sticker("🔥")
    await user.send_document(b'{"a": 1}', "backup.json", caption="backup")
    assert user.texts_since(mark) == ["echo: (media)", "echo: (media)", "echo: backup"]


async def test_bot_cannot_edit_the_users_message(user: FakeUser, app: AnyApp) -> None:
    message_id = await user.send("mine")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await app.bot.edit_message_text("yours", chat_id=USER_ID, message_id=message_id)


async def test_user_reply_quotes_the_bot_message(user: FakeUser, api: FakeBotAPI) -> None:
    await user.send("/start")
    question_id = user.last_message().message_id
    answer_id = await user.send("yes please", reply_to=question_id)
    quoted = api.message_state(USER_ID, answer_id).payload["reply_to_message"]
    assert quoted["message_id"] == question_id
    assert quoted["text"] == "Ready?"


async def test_edit_sends_an_edited_message(user: FakeUser, api: FakeBotAPI) -> None:
    message_id = await user.send("typo")
    mark = user.mark()
    await user.edit(message_id, "fixed")
    assert api.message_state(USER_ID, message_id).text == "fixed"
    assert user.texts_since(mark) == ["echo: fixed"]


async def test_group_chat_respects_privacy_mode(app: AnyApp, api: FakeBotAPI) -> None:
    member = FakeUser(app, api, 3333, "Cy", chat_type="group")
    assert member.chat_id < 0
    await member.send("just chatting")
    assert api.messages_to(member.chat_id) == []
    await member.send("/start")
    assert member.last_text() == "Ready?"
    assert api.last_to(member.chat_id).result["chat"]["type"] == "group"


async def test_blocking_the_bot_sends_my_chat_member(app: AnyApp, api: FakeBotAPI) -> None:
    seen: list[str] = []

    async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        seen.append(update.my_chat_member.new_chat_member.status)

    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    ada = FakeUser(app, api, USER_ID)
    await ada.block_bot()
    with pytest.raises(Forbidden):
        await app.bot.send_message(USER_ID, "still there?")
    assert seen == ["kicked"]
