"""/export and importing it back: the files, the round trip, idempotency, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dtm
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.data.export import archive_markdown
from bot.data.importer import ImportProblem, import_document, parse_document
from bot.data.schema import SCHEMA_VERSION, ExportDocument
from bot.domain.journal import (
    AnswerView,
    GoalView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
    YearEndView,
)
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.storage import entries, goals
from bot.storage.models import Answer
from tests.conftest import Bot
from tests.data.seed import HEADLINE, drafts, rows_by_table, seed_user
from tests.fakes import FakeUser
from tests.helpers import flat, onboard, stored_user

JSON_NAME = "weekly-review-export-1001.json"
MARKDOWN_NAME = "weekly-review-1001.md"


async def export_files(bot: Bot, user: FakeUser) -> dict[str, bytes]:
    """Send /export and return the uploaded files by name."""
    mark = user.mark()
    await user.send("/export")
    return {
        name: content
        for call in bot.api.calls_to("sendDocument")
        if call.seq > mark and call.chat_id == user.chat_id
        for name, content in call.files.values()
    }


async def delete_everything(user: FakeUser) -> None:
    await user.send("/delete")
    await user.tap("🗑 Delete everything")


async def send_export(user: FakeUser, raw: bytes, name: str = JSON_NAME) -> str:
    await user.send_document(content=raw, file_name=name)
    return user.last_text()


def comparable(raw: bytes) -> dict[str, Any]:
    """An export without what legitimately changes on a round trip: the export time, the
    last-seen time and goal ids (goals are named by their text instead)."""
    data = json.loads(raw)
    names = {goal["id"]: goal["text"] for goal in data["goals"]}
    del data["exported_at"]
    del data["user"]["last_seen_at"]
    for goal in data["goals"]:
        goal["id"] = goal["text"]

    def key(value: str) -> str:
        if value.startswith("goal:"):
            return f"goal:{names[int(value.removeprefix('goal:'))]}"
        return value

    for week in data["weeks"]:
        review = week["review"]
        if review is None:
            continue
        review["question_keys"] = [key(k) for k in review["question_keys"]]
        for answer in review["answers"]:
            answer["question_key"] = key(answer["question_key"])
            if answer["goal_id"] is not None:
                answer["goal_id"] = names[answer["goal_id"]]
    return data


# ---------------------------------------------------------------------------- /export


async def test_export_sends_the_json_and_the_markdown_archive(bot: Bot) -> None:
    user = await seed_user(bot)
    files = await export_files(bot, user)
    assert set(files) == {JSON_NAME, MARKDOWN_NAME}
    document = parse_document(files[JSON_NAME])
    assert document.schema_version == SCHEMA_VERSION
    assert document.user.id == 1001
    archive = files[MARKDOWN_NAME].decode()
    assert "## 2026-W47 · Nov 16 – 22" in flat(archive)
    assert f"### Sum up this week in one line.\n\n{HEADLINE}\n" in archive
    assert JSON_NAME in user.last_text()
    assert MARKDOWN_NAME in user.last_text()
    assert "Telegram file id" in user.last_text()


async def test_export_holds_every_row_about_the_user(bot: Bot) -> None:
    user = await seed_user(bot)
    document = parse_document((await export_files(bot, user))[JSON_NAME])
    rows = await rows_by_table(bot, 1001)
    reviews = [w.review for w in document.weeks if w.review is not None]
    answers = [a for r in reviews for a in r.answers]
    messages = [m for a in answers for m in a.messages] + [
        n for w in document.weeks for n in w.notes
    ]
    assert len(reviews) == rows["reviews"] == 2
    assert len(answers) == rows["answers"]
    assert len(messages) == rows["entries"]
    assert len(document.goals) == rows["goals"] == 4
    assert len(document.questions) == rows["user_questions"]
    # The seeded recap claim, and the prompt counted against the notification budget.
    assert len(document.deliveries) == rows["deliveries"] == 2
    photos = [m for m in messages if m.kind is MessageKind.PHOTO]
    assert photos
    for photo in photos:  # Telegram's file id, or the photo itself for an imported one
        assert photo.file_unique_id
        assert photo.file_id or photo.file_unique_id in {f.file_unique_id for f in document.files}
    assert len(document.files) == rows["imported_files"] == 1
    edited = next(n for w in document.weeks for n in w.notes if n.edited_at is not None)
    assert (edited.original_text, edited.text) == ("a note I will edit", "a note I edited")
    assert document.user.timezone == "Asia/Seoul"


async def test_export_holds_nothing_of_other_users(bot: Bot) -> None:
    other = bot.user(1002, first_name="Bea")
    await onboard(other)
    await other.send("Bea's secret note")
    user = await seed_user(bot)
    files = await export_files(bot, user)
    assert b"secret" not in files[JSON_NAME]
    assert b"secret" not in files[MARKDOWN_NAME]


# ---------------------------------------------------------------------------- round trip


async def test_export_delete_import_gives_back_the_same_drafts(bot: Bot) -> None:
    user = await seed_user(bot)
    before = await drafts(bot)
    raw = (await export_files(bot, user))[JSON_NAME]
    rows = await rows_by_table(bot, 1001)

    await delete_everything(user)
    assert sum((await rows_by_table(bot, 1001)).values()) == 0

    reply = await send_export(user, raw)
    assert "Import finished" in reply
    assert "2 weekly reviews" in reply
    assert "restored" in reply
    assert await drafts(bot) == before
    assert await rows_by_table(bot, 1001) == rows
    again = (await export_files(bot, user))[JSON_NAME]
    assert comparable(again) == comparable(raw)


async def test_restored_account_is_set_up_and_scheduled_again(bot: Bot) -> None:
    user = await seed_user(bot)
    raw = (await export_files(bot, user))[JSON_NAME]
    await delete_everything(user)
    await send_export(user, raw)
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.onboarded
    assert (stored.timezone, stored.review_weekday, stored.review_hour) == ("Asia/Seoul", 6, 19)
    assert stored.next_due_at is not None
    assert stored.next_due_at > bot.clock.now()


async def test_importing_twice_adds_nothing_twice(bot: Bot) -> None:
    user = await seed_user(bot)
    raw = (await export_files(bot, user))[JSON_NAME]
    await delete_everything(user)
    await send_export(user, raw)
    once = await rows_by_table(bot)
    reply = await send_export(user, raw)
    assert await rows_by_table(bot) == once
    assert "Added: nothing" in reply
    assert "Already here: 2 weekly reviews" in reply


async def test_import_into_an_account_with_data_merges_without_duplicates(bot: Bot) -> None:
    user = await seed_user(bot)
    raw = (await export_files(bot, user))[JSON_NAME]
    await user.send("a note written after the export")
    rows = await rows_by_table(bot)
    reply = await send_export(user, raw)
    assert await rows_by_table(bot) == rows
    assert "Added: nothing" in reply
    assert "current settings were kept" in reply


async def test_import_adds_only_what_is_missing(bot: Bot) -> None:
    user = await seed_user(bot)
    raw = (await export_files(bot, user))[JSON_NAME]
    async with bot.services.transaction() as session:
        [sail] = [g for g in await goals.goals_of(session, 1001) if g.text == "Learn to sail"]
        await session.delete(sail)
    reply = await send_export(user, raw)
    assert "Added: 1 goal" in reply
    async with bot.services.transaction() as session:
        texts = [g.text for g in await goals.goals_of(session, 1001)]
    assert texts.count("Learn to sail") == 1


async def test_goal_references_follow_the_new_goal_ids(bot: Bot) -> None:
    user = await seed_user(bot)
    raw = (await export_files(bot, user))[JSON_NAME]
    old_id = next(g.id for g in parse_document(raw).goals if g.text == "Read 20 books")
    await delete_everything(user)
    other = bot.user(1002, first_name="Bea")
    await onboard(other)
    async with bot.services.transaction() as session:  # takes the ids 1001's goals had
        for text in ("one", "two", "three", "four", "five"):
            await goals.add_goal(session, 1002, 2026, text, bot.clock.now())
    await send_export(user, raw)
    async with bot.services.transaction() as session:
        [goal] = [g for g in await goals.goals_of(session, 1001) if g.text == "Read 20 books"]
        [checkin] = list(await session.scalars(select(Answer).where(Answer.goal_id.is_not(None))))
    assert goal.id != old_id
    assert checkin.user_id == 1001
    assert checkin.goal_id == goal.id
    assert checkin.question_key == f"goal:{goal.id}"


# ---------------------------------------------------------------------------- refusals


async def test_a_file_of_another_user_is_refused(bot: Bot) -> None:
    owner = await seed_user(bot)
    raw = (await export_files(bot, owner))[JSON_NAME]
    await delete_everything(owner)
    other = bot.user(1002, first_name="Bea")
    await onboard(other)
    rows = await rows_by_table(bot, 1002)
    reply = await send_export(other, raw)
    assert "belongs to another Telegram account" in reply
    assert sum((await rows_by_table(bot, 1001)).values()) == 0
    assert await rows_by_table(bot, 1002) == rows


async def test_a_file_claiming_messages_of_another_chat_imports_nothing(bot: Bot) -> None:
    """A crafted file must not plant rows under another user's message ids."""
    other = bot.user(1002, first_name="Bea")
    await onboard(other)
    user = await seed_user(bot)
    data = json.loads((await export_files(bot, user))[JSON_NAME])
    data["weeks"][-1]["notes"][0].update(chat_id=other.chat_id, message_id=10_000)
    await delete_everything(user)
    reply = await send_export(user, json.dumps(data).encode())
    assert "imported nothing" in reply
    assert "not from the user's own chat" in reply
    rows = await rows_by_table(bot, 1001)
    assert rows["users"] == 1  # the fresh account that sent the file, nothing else
    assert sum(rows.values()) == 1


def _broken(change: str) -> bytes:
    data: dict[str, Any] = {
        "schema_version": 1,
        "exported_at": "2026-11-18T09:00:00Z",
        "user": {
            "id": 1001,
            "chat_id": 1001,
            "language": "en",
            "timezone": "Asia/Seoul",
            "review_weekday": 6,
            "review_hour": 19,
            "onboarded": True,
            "paused": False,
            "monthly_recap": True,
            "draft_day": 31,
            "created_at": "2026-11-18T09:00:00Z",
            "last_seen_at": None,
        },
        "questions": [],
        "goals": [],
        "weeks": [],
        "deliveries": [],
    }
    if change == "newer":
        data["schema_version"] = SCHEMA_VERSION + 1
    elif change == "bad_hour":
        data["user"]["review_hour"] = 25
    elif change == "not_export":
        return b'{"hello": "world"}'
    elif change == "not_json":
        return b"\xff\xfe not json at all"
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("not_json", "couldn't read this file as JSON"),
        ("not_export", "isn't a weekly review export"),
        ("newer", f"newer version of the bot (format version {SCHEMA_VERSION + 1})"),
        ("bad_hour", "user.review_hour"),
    ],
)
async def test_unreadable_files_get_a_friendly_reply_and_import_nothing(
    bot: Bot, change: str, expected: str
) -> None:
    user = bot.user()
    reply = await send_export(user, _broken(change))
    assert expected in reply
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.onboarded
    assert sum((await rows_by_table(bot, 1001)).values()) == 1


async def test_a_valid_minimal_file_imports(bot: Bot) -> None:
    user = bot.user()
    reply = await send_export(user, _broken("nothing"))
    assert "Import finished" in reply
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.onboarded


async def test_files_over_twenty_megabytes_are_refused_before_downloading(bot: Bot) -> None:
    user = bot.user()
    reply = await send_export(user, b" " * (20 * 1024 * 1024 + 1))
    assert "too big" in reply
    assert "20 MB" in reply
    assert not [c for c in bot.api.calls if c.method == "download"]


async def test_an_export_with_imported_photos_restores_after_delete(bot: Bot) -> None:
    """Photos travel inside the export (base64): a 4 MB photo makes a 5.4 MB file."""
    import hashlib
    import io
    import os
    import zipfile

    user = bot.user()
    await onboard(user)
    photo = b"\xff\xd8\xff\xe0" + os.urandom(4 * 1024 * 1024)
    md5 = hashlib.md5(photo, usedforsecurity=False).hexdigest()
    entry = {
        "uuid": "A1",
        "creationDate": "2026-03-14T10:00:00Z",
        "text": "The view from the top",
        "photos": [{"md5": md5, "type": "jpeg", "identifier": "P1"}],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as made:
        made.writestr("Journal.json", json.dumps({"entries": [entry]}))
        made.writestr(f"photos/{md5}.jpeg", photo)
    await user.send_document(buffer.getvalue(), "dayone.zip")
    await user.tap("📥 Import")
    raw = (await export_files(bot, user))[JSON_NAME]
    assert len(raw) > 5 * 1024 * 1024
    rows = await rows_by_table(bot, 1001)
    await delete_everything(user)
    reply = await send_export(user, raw)
    assert "Import finished" in reply
    assert await rows_by_table(bot, 1001) == rows


async def test_other_documents_get_the_unsupported_reply(bot: Bot) -> None:
    user = bot.user()
    await user.send_document(content=b"%PDF-1.7", file_name="report.pdf")
    assert "I keep text, photos" in user.last_text()


# ---------------------------------------------------------------------------- parsing


def test_newer_schema_versions_are_rejected_with_a_clear_message() -> None:
    with pytest.raises(ImportProblem) as caught:
        parse_document(_broken("newer"))
    assert caught.value.kind == "newer_version"
    assert f"version {SCHEMA_VERSION + 1}" in str(caught.value)
    assert "update the bot" in str(caught.value)


def test_schema_problems_name_the_field() -> None:
    with pytest.raises(ImportProblem) as caught:
        parse_document(_broken("bad_hour"))
    assert caught.value.kind == "invalid"
    assert "user.review_hour" in str(caught.value)


def test_a_user_whose_chat_is_not_their_private_chat_is_invalid() -> None:
    data = json.loads(_broken("nothing"))
    data["user"]["chat_id"] = -100123
    with pytest.raises(ImportProblem, match="chat_id must equal id"):
        parse_document(json.dumps(data))


def test_unknown_fields_and_dangling_goal_references_are_invalid() -> None:
    data = json.loads(_broken("nothing"))
    data["user"]["nickname"] = "ada"
    with pytest.raises(ImportProblem, match="nickname"):
        parse_document(json.dumps(data))
    data = json.loads(_broken("nothing"))
    data["weeks"] = [
        {
            "week": "2026-W47",
            "notes": [],
            "review": {
                "status": "completed",
                "question_keys": ["goal:7"],
                "position": 0,
                "wake_at": None,
                "deadline_at": "2026-11-29T10:00:00Z",
                "prompted_at": None,
                "started_at": None,
                "finished_at": None,
                "created_at": "2026-11-22T10:00:00Z",
                "answers": [
                    {
                        "question_key": "goal:7",
                        "section": "goals",
                        "prompt": "How is it going?",
                        "position": 0,
                        "skipped": False,
                        "rating": None,
                        "highlight": False,
                        "private": False,
                        "goal_id": 7,
                        "created_at": "2026-11-22T10:00:00Z",
                        "messages": [],
                    }
                ],
            },
        }
    ]
    with pytest.raises(ImportProblem, match="goal 7"):
        parse_document(json.dumps(data))


async def test_the_importer_writes_nothing_when_it_fails_half_way(bot: Bot) -> None:
    """The savepoint: a conflict found after many rows were written rolls them all back."""
    user = await seed_user(bot)
    data = json.loads((await export_files(bot, user))[JSON_NAME])
    data["user"]["id"] = data["user"]["chat_id"] = 1003
    for week in data["weeks"]:
        for message in week["notes"] + [
            m for a in (week["review"] or {"answers": []})["answers"] for m in a["messages"]
        ]:
            message["chat_id"] = 1003
    last = data["weeks"][-1]["notes"][-1]
    async with bot.services.transaction() as session:  # a row no real chat could produce
        await entries.add_entry(
            session,
            user_id=1001,
            week="2026-W47",
            chat_id=1003,
            message_id=last["message_id"],
            kind=MessageKind.TEXT,
            text="not 1003's",
            sent_at=bot.clock.now(),
        )
    document = ExportDocument.model_validate(data)
    async with bot.services.transaction() as session:
        with pytest.raises(ImportProblem) as caught:
            await import_document(session, document, now=bot.clock.now())
    assert caught.value.kind == "conflict"
    assert sum((await rows_by_table(bot, 1003)).values()) == 0


# ---------------------------------------------------------------------------- the archive

WEEK = IsoWeek(2026, 47)
SENT = dtm.datetime(2026, 11, 18, 9, 0, tzinfo=dtm.UTC)


def _journal(text: str, lang: str = "en") -> Journal:
    answer = AnswerView(
        question_key="headline",
        section=Section.TIMELINE,
        prompt="Sum up this week in one line.",
        position=0,
        messages=(StoredMessage(MessageKind.TEXT, text, SENT),),
        highlight=True,
    )
    energy = AnswerView(
        question_key="energy", section=Section.HEALTH, prompt="Energy?", position=1, rating=3
    )
    note = StoredMessage(MessageKind.VOICE, None, SENT, file_id="AwAC", duration=65)
    return Journal(
        language=lang,
        timezone="Asia/Seoul",
        weeks=(WeekView(WEEK, ReviewStatus.COMPLETED, answers=(answer, energy), notes=(note,)),),
        goals=(GoalView(id=3, year=2027, text="Learn to sail"),),
    )


def test_archive_has_a_section_per_week_with_answers_under_their_prompt() -> None:
    archive = archive_markdown(_journal("A *quiet* week\n\n# not a heading"))
    assert archive.startswith("# Weekly review archive\n")
    assert "\n## 2026-W47 · Nov 16 – 22\n" in flat(archive)
    assert (
        "### Sum up this week in one line.\n\n*⭐ Highlight*\n\nA *quiet* week\n\n# not a heading\n"
        in archive
    )
    assert "### Energy?\n\n*Energy 3/5*" in archive
    assert "### Notes\n\n*Wed, Nov 18 18:00*\n\n*🎤 Voice note, 1:05 (kept on Telegram)*" in flat(
        archive
    )
    assert "## Goals\n\n### 2027\n\n⬜ Learn to sail\n" in archive


def test_archive_in_korean() -> None:
    archive = archive_markdown(_journal("조용한 한 주", "ko"))
    assert archive.startswith("# 주간 회고 기록\n")
    assert "## 2026-W47 · 11월 16일~22일" in flat(archive)
    assert "조용한 한 주" in archive
    assert "*에너지 3/5*" in archive


def test_archive_names_the_picked_moments_by_question_and_week() -> None:
    """/yearend's moments are stored as ``2026-W47/headline``; the archive shows the question
    and the heading of the week under which the answer stands."""
    journal = dataclasses.replace(
        _journal("조용한 한 주", "ko"),
        year_end=(YearEndView(2026, "moments", picked=("2026-W47/headline", "2026-W02/win")),),
    )
    archive = flat(archive_markdown(journal))
    assert "- Sum up this week in one line. (2026-W47 · 11월 16일~22일)" in archive
    assert "- 2026-W02/win" in archive  # its week is gone: what was picked, as stored
    assert "2026-W47/headline" not in archive


def test_archive_of_nothing_says_so() -> None:
    archive = archive_markdown(Journal(language="en", timezone="UTC"))
    assert archive == "# Weekly review archive\n\nNothing stored yet.\n"


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1))
def test_archive_reproduces_user_text_verbatim(text: str) -> None:
    assert f"\n\n{text}\n" in archive_markdown(_journal(text))


def test_a_version_1_file_imports_as_plain_markdown_drafts() -> None:
    """Version 2 added the draft format; a version 1 file (without it) still imports."""
    document = parse_document(_broken("none"))
    assert document.schema_version == SCHEMA_VERSION == 2
    assert document.user.draft_format == "markdown"


def _with_question(**fields: object) -> str:
    data = json.loads(_broken("nothing"))
    question = {"key": "custom-1", "text": "Did I rest?", "section": "health"}
    data["questions"] = [{**question, "enabled": True, "position": 0, **fields}]
    return json.dumps(data)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"section": "hobbies"}, "section"),  # the review would stop at this question
        ({"text": "?" * 5000}, "text"),  # its question message would be over 4,096
    ],
    ids=["unknown-section", "5000-characters"],
)
def test_a_question_that_could_not_be_typed_is_invalid(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(ImportProblem) as caught:
        parse_document(_with_question(**fields))
    assert caught.value.kind == "invalid"
    assert f"questions.0.{field}" in str(caught.value)


def test_more_questions_than_questions_allows_are_invalid() -> None:
    data = json.loads(_with_question())
    data["questions"] = [
        {**data["questions"][0], "key": f"custom-{n}", "position": n} for n in range(21)
    ]
    with pytest.raises(ImportProblem, match="questions"):
        parse_document(json.dumps(data))
    data["questions"] = data["questions"][:20]
    assert len(parse_document(json.dumps(data)).questions) == 20
