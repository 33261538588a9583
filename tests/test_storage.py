"""The storage foundation: migrations, engine set-up, UTC timestamps and erasing a user.

Every test gets a brand-new database from the ``database_url`` fixture (SQLite by default,
PostgreSQL when ``TEST_DATABASE_URL`` is set); SQLite-only checks skip on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto.vault import vault_for
from bot.storage import users
from bot.storage.engine import WRITER, DatabaseError, create_engine, session_factory, sqlite_path
from bot.storage.migrate import HEAD, alembic_config, current_revision, upgrade
from bot.storage.models import (
    PIPELINE_TABLES,
    Answer,
    Base,
    Delivery,
    Entry,
    Goal,
    ImportedFile,
    Review,
    User,
    UserQuestion,
    YearEndAnswer,
)
from bot.storage.types import UTCDateTime
from tests.conftest import make_settings

NOW = dtm.datetime(2026, 11, 18, 9, 0, tzinfo=dtm.UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine with an open vault attached, as the bot and its commands have."""
    made = create_engine(database_url)
    async with vault_for(make_settings(database_url), database_url, made, NOW):
        yield made
    await made.dispose()


@pytest.fixture
async def migrated(engine: AsyncEngine) -> AsyncEngine:
    await upgrade(engine)
    return engine


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_only(engine: AsyncEngine) -> None:
    if not is_sqlite(engine):
        pytest.skip("SQLite-only check")


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def schema_snapshot(engine: AsyncEngine) -> dict[str, Any]:
    """Tables with their columns, indexes and foreign keys, as the database reports them."""

    def snapshot(conn: Connection) -> dict[str, Any]:
        found = inspect(conn)
        return {
            name: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
                sorted(i["name"] or "" for i in found.get_indexes(name)),
                sorted(str(fk) for fk in found.get_foreign_keys(name)),
            )
            for name in sorted(found.get_table_names())
        }

    async with engine.connect() as conn:
        return await conn.run_sync(snapshot)


# ---------------------------------------------------------------------------- migrations


def test_migrations_have_a_single_head() -> None:
    """Two engineers adding a migration each must not leave two heads behind."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, heads


def test_the_quick_start_check_knows_the_newest_migration() -> None:
    """``upgrade`` skips alembic for a database at ``HEAD``: it must be the real head."""
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


async def test_an_up_to_date_database_starts_without_alembic(migrated: AsyncEngine) -> None:
    assert await current_revision(migrated) == HEAD
    await upgrade(migrated)  # nothing to do, and nothing fails
    async with migrated.connect() as conn:
        assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD


async def test_upgrade_creates_every_table(migrated: AsyncEngine) -> None:
    assert await table_names(migrated) == set(Base.metadata.tables) | {"alembic_version"}


async def test_upgrade_records_the_head_revision(migrated: AsyncEngine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with migrated.connect() as conn:
        assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == head


async def test_upgrade_twice_changes_nothing(migrated: AsyncEngine) -> None:
    before = await schema_snapshot(migrated)
    async with session_factory(migrated).begin() as session:
        await users.create_user(session, user_id=1, chat_id=1, language="en", now=NOW)
    await upgrade(migrated)
    assert await schema_snapshot(migrated) == before
    async with session_factory(migrated)() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_migrations_match_the_models(migrated: AsyncEngine) -> None:
    """What alembic's autogenerate would write next: nothing, or a migration is missing."""

    def differences(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with migrated.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_downgrade_to_base_and_back(migrated: AsyncEngine) -> None:
    """Every migration can be undone (what a self-hoster rolls back with)."""

    def downgrade(conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")

    async with migrated.begin() as conn:
        await conn.run_sync(downgrade)
    assert await table_names(migrated) <= {"alembic_version"}
    await upgrade(migrated)
    assert await table_names(migrated) == set(Base.metadata.tables) | {"alembic_version"}


async def test_every_foreign_key_to_users_cascades_in_the_database(
    migrated: AsyncEngine,
) -> None:
    def user_fks(conn: Connection) -> dict[str, list[Any]]:
        found = inspect(conn)
        return {
            name: [
                fk.get("options", {}).get("ondelete")
                for fk in found.get_foreign_keys(name)
                if fk["referred_table"] == "users"
            ]
            for name in found.get_table_names()
            if name not in {"users", "alembic_version", *PIPELINE_TABLES}
        }

    async with migrated.connect() as conn:
        fks = await conn.run_sync(user_fks)
    assert fks, "no tables besides users"
    for name, rules in fks.items():
        assert rules, f"{name} does not reference users: /delete would leave its rows behind"
        assert all(rule is not None and rule.upper() == "CASCADE" for rule in rules), (name, rules)


# ---------------------------------------------------------------------------- engine


@pytest.mark.parametrize("connections", [1, 3])
async def test_sqlite_pragmas_on_every_connection(migrated: AsyncEngine, connections: int) -> None:
    sqlite_only(migrated)
    await migrated.dispose()  # start from an empty pool: every connection below is new
    opened = [await migrated.connect() for _ in range(connections)]
    try:
        for conn in opened:
            assert str(await conn.scalar(text("PRAGMA journal_mode"))).lower() == "wal"
            assert await conn.scalar(text("PRAGMA synchronous")) == 2  # FULL
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
            assert int(await conn.scalar(text("PRAGMA busy_timeout")) or 0) > 0
    finally:
        for conn in opened:
            await conn.close()


async def test_each_sqlite_statement_is_one_trip_with_the_usual_results(tmp_path: Path) -> None:
    """The one-trip driver keeps the DBAPI's answers: rows, row counts, the new row's id,
    executemany, and SQLite's errors as SQLAlchemy's."""
    from sqlalchemy.exc import IntegrityError

    from bot.storage.sqlite_driver import OneTripCursor

    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    try:
        async with made.begin() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)  # type: ignore[union-attr]
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('한국어 🙂')"))
            assert inserted.lastrowid == 1
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
            changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
            assert changed.rowcount == 2
            rows = (await conn.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "한국어 🙂"), (2, "b!"), (3, "c!")]
        with pytest.raises(IntegrityError):
            async with made.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('b!')"))
        async with made.connect() as conn:  # the failed transaction left nothing behind
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 3
    finally:
        await made.dispose()


async def test_statements_under_the_write_lock_keep_the_usual_results(tmp_path: Path) -> None:
    """In the bot's write transactions (``BEGIN IMMEDIATE``) statements run on the event
    loop's thread: rows, row counts, new ids, executemany and errors are as before."""
    from sqlalchemy.exc import IntegrityError

    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'writes.sqlite3'}")
    writer = made.execution_options(**{WRITER: True})
    try:
        async with writer.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('한국어 🙂')"))
            assert inserted.lastrowid == 1
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
            many = [{"v": f"row {n}"} for n in range(500)]  # more rows than run inline
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), many)
            changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id IN (2, 3)"))
            assert changed.rowcount == 2
            rows = (await conn.execute(text("SELECT id, v FROM t WHERE id <= 3"))).all()
            assert [tuple(r) for r in rows] == [(1, "한국어 🙂"), (2, "b!"), (3, "c!")]

        async def fresh_then_duplicate() -> None:
            async with writer.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('fresh')"))
                await conn.execute(text("INSERT INTO t (v) VALUES ('b!')"))

        with pytest.raises(IntegrityError):
            await fresh_then_duplicate()
        async with made.connect() as conn:  # the failed transaction left nothing behind
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 503
    finally:
        await made.dispose()


async def test_a_write_waiting_for_the_lock_leaves_the_event_loop_free(tmp_path: Path) -> None:
    """Waiting for SQLite's write lock (another process writes) happens off the event loop:
    everything else goes on meanwhile, and the write goes through once the lock is free."""
    import sqlite3

    path = tmp_path / "locked.sqlite3"
    made = create_engine(f"sqlite+aiosqlite:///{path}")
    writer = made.execution_options(**{WRITER: True})
    async with writer.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v TEXT)"))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES ('other')")

        async def write() -> None:
            async with writer.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES ('ours')"))

        waiting = asyncio.create_task(write())
        for _ in range(50):
            await asyncio.sleep(0)  # the loop runs while the write waits
        assert not waiting.done()
        other.execute("COMMIT")  # only possible here because the loop was not blocked
        await asyncio.wait_for(waiting, timeout=30)
        async with made.connect() as conn:
            rows = (await conn.execute(text("SELECT v FROM t ORDER BY rowid"))).scalars().all()
        assert rows == ["other", "ours"]
    finally:
        other.close()
        await made.dispose()


@contextlib.asynccontextmanager
async def turns_elsewhere() -> AsyncIterator[list[int]]:
    """Another task on the event loop; the list holds how many turns it has had so far."""
    turns = [0]
    running = True

    async def elsewhere() -> None:
        while running:
            turns[0] += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(elsewhere())
    await asyncio.sleep(0)
    try:
        yield turns
    finally:
        running = False
        await other


async def test_a_long_write_transaction_lets_the_event_loop_run(tmp_path: Path) -> None:
    """Statements that run on the event loop's thread hand it back now and then, so a long
    write transaction (an import) does not stall sends and other chats meanwhile."""
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'long.sqlite3'}")
    writer = made.execution_options(**{WRITER: True})
    try:
        async with writer.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT)"))
        async with turns_elsewhere() as turns, writer.begin() as conn:
            before = turns[0]
            for n in range(3000):  # far longer than the budget a run on the loop may take
                await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": str(n)})
            assert turns[0] - before >= 2
    finally:
        await made.dispose()


async def test_a_statement_marked_long_leaves_the_event_loop_free(tmp_path: Path) -> None:
    """A statement that may take long under the write lock (``/delete``'s cascade, the
    inbox purge) runs off the event loop, even as the first of its transaction."""
    from bot.storage.sqlite_driver import OFF_THE_LOOP

    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'slow.sqlite3'}")
    writer = made.execution_options(**{WRITER: True})
    slow = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
        "SELECT count(*) FROM c"
    ).execution_options(**{OFF_THE_LOOP: True})
    try:
        async with turns_elsewhere() as turns, writer.begin() as conn:
            before = turns[0]
            assert await conn.scalar(slow) == 200000
            assert turns[0] - before >= 1
    finally:
        await made.dispose()


def test_create_engine_makes_the_sqlite_folder(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bot.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    assert path.parent.is_dir()
    engine.sync_engine.dispose()


def test_create_engine_under_a_regular_file_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DatabaseError) as caught:
        create_engine(f"sqlite+aiosqlite:///{blocker / 'data' / 'bot.sqlite3'}")
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot create the database folder" in message
    assert str(blocker) in message


@pytest.mark.parametrize(
    "url",
    [
        "not a database url",
        "sqlite+aiosqlite//missing-colon.sqlite3",
        "nosuchdatabase+driver://user@host/db",  # unknown dialect
        "sqlite:///./data/bot.sqlite3",  # sync driver: the bot needs an async one
        "postgresql://user@localhost/db",  # same for PostgreSQL (psycopg2, not asyncpg)
    ],
)
def test_create_engine_rejects_unusable_urls_with_database_error(url: str) -> None:
    with pytest.raises(DatabaseError) as caught:
        create_engine(url)
    message = str(caught.value)
    assert message
    assert "\n" not in message
    assert "DATABASE_URL" in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+nosuchdriver://user:s3cret-pass@localhost/db",
        "postgresql+asyncpg://user:s3cret-pass@localhost:notaport/db",
    ],
)
def test_a_bad_url_is_never_echoed_with_its_password(url: str) -> None:
    with pytest.raises(Exception) as caught:  # noqa: PT011  (any error: only its text matters)
        create_engine(url)
    assert "s3cret-pass" not in str(caught.value)


async def test_opening_a_folder_as_database_fails_cleanly(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}")  # a directory, not a file
    try:
        with pytest.raises(Exception, match="unable to open database file"):
            await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:///data/bot.sqlite3", Path("data/bot.sqlite3")),
        ("sqlite+aiosqlite:////srv/bot.sqlite3", Path("/srv/bot.sqlite3")),
        ("sqlite+aiosqlite://", None),
        ("sqlite+aiosqlite:///:memory:", None),
        ("postgresql+asyncpg://u@h/db", None),
    ],
)
def test_sqlite_path(url: str, expected: Path | None) -> None:
    assert sqlite_path(url) == expected


# ---------------------------------------------------------------------------- UTCDateTime

stamps = MetaData()
stamp_table = Table(
    "stamp_test",
    stamps,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
)


@pytest.fixture
async def stamp_engine(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.run_sync(stamps.create_all)
    return engine


async def store_and_read(engine: AsyncEngine, value: dtm.datetime) -> dtm.datetime:
    async with engine.begin() as conn:
        inserted = await conn.execute(insert(stamp_table).values(at=value))
        (row_id,) = inserted.inserted_primary_key or (None,)
        read = await conn.scalar(select(stamp_table.c.at).where(stamp_table.c.id == row_id))
    assert isinstance(read, dtm.datetime)
    return read


async def test_aware_datetime_comes_back_as_the_same_instant_in_utc(
    stamp_engine: AsyncEngine,
) -> None:
    stored = dtm.datetime(2026, 3, 29, 2, 30, tzinfo=dtm.timezone(dtm.timedelta(hours=2)))
    read = await store_and_read(stamp_engine, stored)
    assert read == dtm.datetime(2026, 3, 29, 0, 30, tzinfo=dtm.UTC)
    assert read.tzinfo is not None
    assert read.utcoffset() == dtm.timedelta(0)


@pytest.mark.parametrize(
    "stored",
    [
        dtm.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),
        dtm.datetime(2026, 11, 1, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
        dtm.datetime(2026, 12, 31, 23, 0, tzinfo=ZoneInfo("Asia/Seoul")),
        dtm.datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Pacific/Kiritimati")),
    ],
)
async def test_zoneinfo_datetimes_round_trip(
    stamp_engine: AsyncEngine, stored: dtm.datetime
) -> None:
    read = await store_and_read(stamp_engine, stored)
    # Compared in UTC: PEP 495 makes a fold=1 time unequal to every other zone's datetimes.
    assert read == stored.astimezone(dtm.UTC)
    assert read.utcoffset() == dtm.timedelta(0)


async def test_naive_datetime_is_rejected(stamp_engine: AsyncEngine) -> None:
    async with stamp_engine.begin() as conn:
        with pytest.raises(StatementError) as caught:
            await conn.execute(insert(stamp_table).values(at=dtm.datetime(2026, 3, 29, 2, 30)))
    assert isinstance(caught.value.orig, ValueError)
    assert "aware" in str(caught.value.orig)


async def test_naive_datetime_is_rejected_in_queries_too(stamp_engine: AsyncEngine) -> None:
    async with stamp_engine.connect() as conn:
        with pytest.raises(StatementError):
            await conn.execute(
                select(stamp_table).where(stamp_table.c.at <= dtm.datetime(2026, 3, 29))
            )


async def test_null_stays_null(stamp_engine: AsyncEngine) -> None:
    async with stamp_engine.begin() as conn:
        await conn.execute(insert(stamp_table).values(at=None))
        assert await conn.scalar(select(stamp_table.c.at)) is None


async def test_comparisons_and_order_follow_instants_not_local_times(
    stamp_engine: AsyncEngine,
) -> None:
    """Due-time queries compare instants; offsets must not leak into the comparison."""
    seoul, new_york = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
    early = dtm.datetime(2026, 11, 21, 8, 0, tzinfo=seoul)  # 2026-11-20 23:00Z
    late = dtm.datetime(2026, 11, 20, 19, 0, tzinfo=new_york)  # 2026-11-21 00:00Z
    async with stamp_engine.begin() as conn:
        await conn.execute(insert(stamp_table), [{"at": late}, {"at": early}])
        ordered = list(await conn.scalars(select(stamp_table.c.at).order_by(stamp_table.c.at)))
        bound = dtm.datetime(2026, 11, 20, 23, 30, tzinfo=dtm.UTC)
        due = list(await conn.scalars(select(stamp_table.c.at).where(stamp_table.c.at <= bound)))
    assert ordered == [early, late]
    assert due == [early]


async def test_sqlite_stores_naive_utc_text(stamp_engine: AsyncEngine) -> None:
    """SQLite compares the stored text: it has to be UTC in one fixed format."""
    sqlite_only(stamp_engine)
    stored = dtm.datetime(2026, 3, 29, 2, 30, tzinfo=dtm.timezone(dtm.timedelta(hours=2)))
    await store_and_read(stamp_engine, stored)
    async with stamp_engine.connect() as conn:
        raw = await conn.scalar(text("SELECT at FROM stamp_test"))
    assert str(raw).startswith("2026-03-29 00:30:00")


async def test_postgresql_column_is_timestamptz(migrated: AsyncEngine) -> None:
    if is_sqlite(migrated):
        pytest.skip("PostgreSQL-only check")
    async with migrated.connect() as conn:
        kind = await conn.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'users' AND column_name = 'created_at'"
            )
        )
    assert kind == "timestamp with time zone"


# ---------------------------------------------------------------------------- erasing a user


async def add_everything(session: Any, user_id: int, base: int) -> None:
    """One row in every table for ``user_id`` (ids offset by ``base`` to keep them apart)."""
    await users.create_user(session, user_id=user_id, chat_id=user_id, language="en", now=NOW)
    session.add(
        UserQuestion(
            user_id=user_id, key="win", text=None, section="highlights", enabled=True, position=0
        )
    )
    goal = Goal(
        user_id=user_id, year=2026, text="Run a 10k", position=0, done=False, created_at=NOW
    )
    review = Review(
        user_id=user_id,
        week="2026-W47",
        status="completed",
        question_keys=["win"],
        position=1,
        deadline_at=NOW,
        created_at=NOW,
    )
    session.add_all([goal, review])
    await session.flush()
    answer = Answer(
        review_id=review.id,
        user_id=user_id,
        week="2026-W47",
        question_key="win",
        section="highlights",
        prompt="What went well?",
        position=0,
        skipped=False,
        highlight=True,
        private=False,
        goal_id=goal.id,
        created_at=NOW,
    )
    session.add(answer)
    await session.flush()
    session.add_all(
        [
            Entry(
                user_id=user_id,
                week="2026-W47",
                answer_id=answer.id,
                chat_id=user_id,
                message_id=base + 1,
                kind="text",
                text="a private answer",
                original_text="a private answer",
                sent_at=NOW,
            ),
            Entry(
                user_id=user_id,
                week="2026-W47",
                answer_id=None,
                chat_id=user_id,
                message_id=base + 2,
                kind="text",
                text="a note",
                original_text="a note",
                sent_at=NOW,
            ),
            Delivery(user_id=user_id, kind="recap", period="2026-11", created_at=NOW),
            ImportedFile(
                user_id=user_id,
                file_unique_id="import-abc",
                kind="jpeg",
                content=b"\xff\xd8",
                created_at=NOW,
            ),
            YearEndAnswer(
                user_id=user_id,
                year=2026,
                key="name",
                text="a year-end answer",
                original_text="a year-end answer",
                skipped=False,
                private=False,
                chat_id=user_id,
                message_id=base + 3,
                created_at=NOW,
            ),
        ]
    )
    await session.flush()


async def rows_per_table(engine: AsyncEngine) -> dict[str, list[int]]:
    """For every model table: the user ids its rows belong to."""
    found: dict[str, list[int]] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in PIPELINE_TABLES:
                continue
            column = table.c.id if table.name == "users" else table.c.user_id
            found[table.name] = sorted(await conn.scalars(select(column)))
    return found


async def test_delete_user_erases_every_row_about_them(migrated: AsyncEngine) -> None:
    async with session_factory(migrated).begin() as session:
        await add_everything(session, 1, base=100)
        await add_everything(session, 2, base=200)
    before = await rows_per_table(migrated)
    untouched = sorted(t for t, ids in before.items() if 1 not in ids or 2 not in ids)
    assert untouched == [], "add_everything must put a row in every table (new table?)"

    async with session_factory(migrated).begin() as session:
        await users.delete_user(session, 1)

    after = await rows_per_table(migrated)
    assert {table: set(ids) for table, ids in after.items()} == {table: {2} for table in before}
    assert after["entries"] == [2, 2]


async def test_delete_user_for_an_unknown_user_does_nothing(migrated: AsyncEngine) -> None:
    async with session_factory(migrated).begin() as session:
        await add_everything(session, 2, base=200)
    before = await rows_per_table(migrated)
    async with session_factory(migrated).begin() as session:
        await users.delete_user(session, 1)
    assert await rows_per_table(migrated) == before


async def test_foreign_keys_are_enforced(migrated: AsyncEngine) -> None:
    """A row for a user who does not exist is refused (SQLite needs foreign_keys=ON)."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with session_factory(migrated).begin() as session:
            session.add(Delivery(user_id=999, kind="recap", period="2026-11", created_at=NOW))


async def test_replicas_starting_together_all_migrate_a_new_database(database_url: str) -> None:
    """Replicas started at once (compose's first `up`, every upgrade) each run the upgrade;
    one migrates and the others wait for it, none fails."""
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        assert await current_revision(engines[0]) == HEAD
    finally:
        for engine in engines:
            await engine.dispose()


async def test_postgresql_ends_a_transaction_left_idle(migrated: AsyncEngine) -> None:
    """A replica frozen mid-transaction must not hold its locks for hours: the server ends
    the session after a minute idle in it."""
    if migrated.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    async with migrated.connect() as conn:
        assert await conn.scalar(text("SHOW idle_in_transaction_session_timeout")) == "1min"
