"""Weekly slots: once per local week in every zone, DST gaps and overlaps, ISO week 53."""

from __future__ import annotations

import datetime as dtm
import itertools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.schedule import next_slot, review_week, slot_on, slots_between
from bot.domain.weeks import IsoWeek, weeks_in_year

UTC = dtm.UTC

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # DST shift of 30 minutes
    "Asia/Kathmandu",  # +05:45
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "Asia/Seoul",
]

# (weekday, hour, minute): Sunday times inside the DST gaps and overlaps of the zones above,
# plus the edges of the day and of the week.
SLOTS = [
    (6, 2, 30),  # Berlin / New York spring gap, Berlin fall overlap
    (6, 1, 45),  # New York and Lord Howe fall overlap
    (6, 2, 15),  # Lord Howe spring gap (02:00 -> 02:30)
    (0, 0, 0),  # Monday midnight
    (4, 23, 59),  # Friday just before midnight
]

FIRST_YEAR, LAST_YEAR = 2025, 2028


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dtm.datetime:
    return dtm.datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(instant: dtm.datetime, tz: str) -> dtm.datetime:
    return instant.astimezone(ZoneInfo(tz))


def wall(instant: dtm.datetime, tz: str) -> dtm.datetime:
    """The naive wall-clock reading of ``instant`` in ``tz``."""
    return local(instant, tz).replace(tzinfo=None)


def first_instant_showing(day: dtm.date, hour: int, minute: int, tz: str) -> dtm.datetime:
    """Brute-force oracle: the earliest instant whose wall clock reads ``day hour:minute`` or later.

    Scans forward in 15-minute steps (all offsets and transitions of ZONES are multiples of
    15 minutes) from 14 hours before the wall time read as UTC, earlier than any real zone.
    """
    target = dtm.datetime.combine(day, dtm.time(hour, minute))
    instant = target.replace(tzinfo=UTC) - dtm.timedelta(hours=14)
    while wall(instant, tz) < target:
        instant += dtm.timedelta(minutes=15)
    return instant


def all_weeks(first_year: int, last_year: int) -> list[IsoWeek]:
    return [
        IsoWeek(year, week)
        for year in range(first_year, last_year + 1)
        for week in range(1, weeks_in_year(year) + 1)
    ]


def walk(weekday: int, hour: int, minute: int, tz: str) -> list[dtm.datetime]:
    """All slots of the ISO weeks 2025-W01 .. 2028-W52, found by chaining next_slot."""
    zone = ZoneInfo(tz)
    start = IsoWeek(FIRST_YEAR, 1).start(zone) - dtm.timedelta(microseconds=1)
    end = IsoWeek(LAST_YEAR, weeks_in_year(LAST_YEAR)).end(zone)
    slots = []
    slot = next_slot(start, weekday, hour, tz, minute)
    while slot < end:
        slots.append(slot)
        slot = next_slot(slot, weekday, hour, tz, minute)
        assert slot > slots[-1], "next_slot must move forward"
    return slots


# --- four years of slots, every zone -------------------------------------------------------


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(("weekday", "hour", "minute"), SLOTS)
def test_four_years_of_slots_fire_once_per_local_week(
    tz: str, weekday: int, hour: int, minute: int
) -> None:
    slots = walk(weekday, hour, minute, tz)

    local_days = [local(slot, tz).date() for slot in slots]
    assert [IsoWeek.of(day) for day in local_days] == all_weeks(FIRST_YEAR, LAST_YEAR)
    assert all(day.weekday() == weekday for day in local_days)
    assert all(b - a == dtm.timedelta(days=7) for a, b in itertools.pairwise(local_days))
    assert all(slot.tzinfo is UTC for slot in slots)
    # At the chosen wall time, or - on a spring-forward day - the first instant after the gap;
    # the first occurrence on a fall-back day.
    assert slots == [first_instant_showing(day, hour, minute, tz) for day in local_days]


@pytest.mark.parametrize(
    ("tz", "weekday", "hour", "minute", "moved_days"),
    [
        pytest.param(
            "Europe/Berlin",
            6,
            2,
            30,
            ["2025-03-30", "2026-03-29", "2027-03-28", "2028-03-26"],
            id="berlin",
        ),
        pytest.param(
            "America/New_York",
            6,
            2,
            30,
            ["2025-03-09", "2026-03-08", "2027-03-14", "2028-03-12"],
            id="new-york",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            6,
            2,
            15,
            ["2025-10-05", "2026-10-04", "2027-10-03", "2028-10-01"],
            id="lord-howe",
        ),
        pytest.param("Asia/Kathmandu", 6, 2, 30, [], id="kathmandu"),
        pytest.param("Pacific/Kiritimati", 6, 2, 30, [], id="kiritimati"),
        pytest.param("Pacific/Pago_Pago", 6, 2, 30, [], id="pago-pago"),
        pytest.param("Asia/Seoul", 6, 2, 30, [], id="seoul"),
    ],
)
def test_slot_leaves_the_chosen_time_only_on_spring_forward_days(
    tz: str, weekday: int, hour: int, minute: int, moved_days: list[str]
) -> None:
    moved = [
        local(slot, tz).date().isoformat()
        for slot in walk(weekday, hour, minute, tz)
        if (local(slot, tz).hour, local(slot, tz).minute) != (hour, minute)
    ]

    assert moved == moved_days


# --- the actual transition dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "hour", "minute", "expected_utc", "expected_wall"),
    [
        # Berlin springs forward 02:00 -> 03:00 on 2026-03-29.
        ("Europe/Berlin", "2026-03-29", 1, 59, utc(2026, 3, 29, 0, 59), "01:59"),
        ("Europe/Berlin", "2026-03-29", 2, 0, utc(2026, 3, 29, 1, 0), "03:00"),
        ("Europe/Berlin", "2026-03-29", 2, 30, utc(2026, 3, 29, 1, 0), "03:00"),
        ("Europe/Berlin", "2026-03-29", 3, 0, utc(2026, 3, 29, 1, 0), "03:00"),
        ("Europe/Berlin", "2026-03-29", 3, 30, utc(2026, 3, 29, 1, 30), "03:30"),
        # Berlin falls back 03:00 -> 02:00 on 2026-10-25: 02:30 happens twice.
        ("Europe/Berlin", "2026-10-25", 2, 30, utc(2026, 10, 25, 0, 30), "02:30"),
        # New York springs forward 02:00 -> 03:00 on 2026-03-08.
        ("America/New_York", "2026-03-08", 2, 30, utc(2026, 3, 8, 7, 0), "03:00"),
        ("America/New_York", "2026-03-08", 3, 0, utc(2026, 3, 8, 7, 0), "03:00"),
        # New York falls back 02:00 -> 01:00 on 2026-11-01: 01:30 EDT comes first.
        ("America/New_York", "2026-11-01", 1, 30, utc(2026, 11, 1, 5, 30), "01:30"),
        ("America/New_York", "2026-11-01", 2, 0, utc(2026, 11, 1, 7, 0), "02:00"),
        # Lord Howe springs forward 02:00 -> 02:30 (+10:30 -> +11:00) on 2026-10-04.
        ("Australia/Lord_Howe", "2026-10-04", 1, 59, utc(2026, 10, 3, 15, 29), "01:59"),
        ("Australia/Lord_Howe", "2026-10-04", 2, 0, utc(2026, 10, 3, 15, 30), "02:30"),
        ("Australia/Lord_Howe", "2026-10-04", 2, 15, utc(2026, 10, 3, 15, 30), "02:30"),
        ("Australia/Lord_Howe", "2026-10-04", 2, 30, utc(2026, 10, 3, 15, 30), "02:30"),
        # Lord Howe falls back 02:00 -> 01:30 on 2026-04-05: 01:30-01:59 happen twice.
        ("Australia/Lord_Howe", "2026-04-05", 1, 29, utc(2026, 4, 4, 14, 29), "01:29"),
        ("Australia/Lord_Howe", "2026-04-05", 1, 45, utc(2026, 4, 4, 14, 45), "01:45"),
        ("Australia/Lord_Howe", "2026-04-05", 2, 0, utc(2026, 4, 4, 15, 30), "02:00"),
    ],
)
def test_slot_on_transition_days(
    tz: str, day: str, hour: int, minute: int, expected_utc: dtm.datetime, expected_wall: str
) -> None:
    date = dtm.date.fromisoformat(day)
    monday_before = dtm.datetime.combine(date - dtm.timedelta(days=6), dtm.time(), UTC)

    slot = next_slot(monday_before, 6, hour, tz, minute)

    assert slot == expected_utc
    assert local(slot, tz).date() == date
    assert local(slot, tz).strftime("%H:%M") == expected_wall
    assert slot_on(date, hour, tz, minute) == expected_utc


@pytest.mark.parametrize(
    ("tz", "hour", "minute", "first", "second_occurrence", "next_week"),
    [
        (
            "Europe/Berlin",
            2,
            30,
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 25, 1, 30),
            utc(2026, 11, 1, 1, 30),
        ),
        (
            "America/New_York",
            1,
            30,
            utc(2026, 11, 1, 5, 30),
            utc(2026, 11, 1, 6, 30),
            utc(2026, 11, 8, 6, 30),
        ),
        (
            "Australia/Lord_Howe",
            1,
            45,
            utc(2026, 4, 4, 14, 45),
            utc(2026, 4, 4, 15, 15),
            utc(2026, 4, 11, 15, 15),
        ),
    ],
)
def test_ambiguous_hour_fires_once(
    tz: str,
    hour: int,
    minute: int,
    first: dtm.datetime,
    second_occurrence: dtm.datetime,
    next_week: dtm.datetime,
) -> None:
    assert wall(first, tz) == wall(second_occurrence, tz)  # the wall time really repeats

    assert next_slot(first - dtm.timedelta(days=1), 6, hour, tz, minute) == first
    assert next_slot(first, 6, hour, tz, minute) == next_week
    assert next_slot(second_occurrence, 6, hour, tz, minute) == next_week
    window = slots_between(first - dtm.timedelta(days=2), next_week, 6, hour, tz, minute)
    assert window == [first, next_week]


@pytest.mark.parametrize(
    ("tz", "hour", "minute", "start", "expected"),
    [
        (
            "Europe/Berlin",
            2,
            30,
            utc(2026, 3, 20),
            [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 4, 5, 0, 30)],
        ),
        (
            "America/New_York",
            2,
            30,
            utc(2026, 3, 1, 12),
            [utc(2026, 3, 8, 7, 0), utc(2026, 3, 15, 6, 30), utc(2026, 3, 22, 6, 30)],
        ),
        (
            "Australia/Lord_Howe",
            2,
            15,
            utc(2026, 9, 26),
            [utc(2026, 9, 26, 15, 45), utc(2026, 10, 3, 15, 30), utc(2026, 10, 10, 15, 15)],
        ),
    ],
)
def test_spring_forward_week_is_not_skipped(
    tz: str, hour: int, minute: int, start: dtm.datetime, expected: list[dtm.datetime]
) -> None:
    assert slots_between(start, expected[-1], 6, hour, tz, minute) == expected


# --- next_slot basics -----------------------------------------------------------------------


def test_next_slot_is_strictly_after() -> None:
    slot = utc(2026, 6, 1, 0)  # Monday 09:00 in Seoul

    assert next_slot(slot - dtm.timedelta(microseconds=1), 0, 9, "Asia/Seoul") == slot
    assert next_slot(slot, 0, 9, "Asia/Seoul") == utc(2026, 6, 8, 0)


def test_next_slot_later_the_same_day() -> None:
    monday_morning = utc(2026, 6, 1, 0)  # Monday 09:00 in Seoul

    assert next_slot(monday_morning, 0, 21, "Asia/Seoul") == utc(2026, 6, 1, 12)


def test_next_slot_does_not_depend_on_the_zone_of_the_input() -> None:
    instant = utc(2026, 6, 3, 22, 15)

    in_seoul = next_slot(instant.astimezone(ZoneInfo("Asia/Seoul")), 3, 8, "Europe/Berlin")
    in_samoa = next_slot(instant.astimezone(ZoneInfo("Pacific/Pago_Pago")), 3, 8, "Europe/Berlin")

    assert in_seoul == in_samoa == next_slot(instant, 3, 8, "Europe/Berlin")
    assert in_seoul.tzinfo is UTC


def test_next_slot_uses_the_local_weekday_not_the_utc_one() -> None:
    # Monday 05:00 in Kiritimati (+14) is Sunday 15:00 UTC.
    slot = next_slot(utc(2026, 6, 1), 0, 5, "Pacific/Kiritimati")

    assert slot == utc(2026, 6, 7, 15)
    assert local(slot, "Pacific/Kiritimati").weekday() == 0


def test_minute_is_honoured() -> None:
    slot = next_slot(utc(2026, 6, 1), 2, 19, "Asia/Kathmandu", minute=45)

    assert local(slot, "Asia/Kathmandu").strftime("%a %H:%M") == "Wed 19:45"
    assert slot == utc(2026, 6, 3, 14, 0)


@pytest.mark.parametrize(
    ("weekday", "hour", "minute"),
    [(-1, 9, 0), (7, 9, 0), (0, -1, 0), (0, 24, 0), (0, 9, -1), (0, 9, 60), (True, 9, 0)],
)
def test_next_slot_rejects_invalid_slots(weekday: int, hour: int, minute: int) -> None:
    with pytest.raises(ValueError, match=r"weekday|hour|minute"):
        next_slot(utc(2026, 1, 1), weekday, hour, "Asia/Seoul", minute)


def test_next_slot_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_slot(dtm.datetime(2026, 1, 1), 0, 9, "Asia/Seoul")


def test_next_slot_rejects_unknown_zones() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        next_slot(utc(2026, 1, 1), 0, 9, "Mars/Olympus_Mons")


# --- slots_between --------------------------------------------------------------------------


@pytest.mark.parametrize(("weekday", "count"), [(0, 52), (3, 53), (4, 52)])
def test_slots_between_counts_a_year_of_weekdays(weekday: int, count: int) -> None:
    seoul = ZoneInfo("Asia/Seoul")
    start = dtm.datetime(2026, 1, 1, tzinfo=seoul)
    end = dtm.datetime(2027, 1, 1, tzinfo=seoul)

    # 2026 starts on a Thursday and has 365 days: 53 Thursdays, 52 of every other weekday.
    assert len(slots_between(start, end, weekday, 9, "Asia/Seoul")) == count


def test_slots_between_excludes_start_and_includes_end() -> None:
    slot = utc(2026, 6, 1, 0)  # Monday 09:00 in Seoul
    week = dtm.timedelta(weeks=1)

    assert slots_between(slot, slot + week, 0, 9, "Asia/Seoul") == [slot + week]
    assert slots_between(slot - week, slot, 0, 9, "Asia/Seoul") == [slot]


def test_slots_between_empty_range() -> None:
    instant = utc(2026, 6, 1)

    assert slots_between(instant, instant, 0, 9, "Asia/Seoul") == []
    assert slots_between(instant, instant - dtm.timedelta(days=30), 0, 9, "Asia/Seoul") == []


def test_slots_between_rejects_naive_end() -> None:
    with pytest.raises(ValueError, match="end"):
        slots_between(utc(2026, 1, 1), dtm.datetime(2026, 2, 1), 0, 9, "Asia/Seoul")


# --- review_week ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-03-02", "2026-W09"),  # Monday reviews last week
        ("2026-03-03", "2026-W09"),  # Tuesday
        ("2026-03-04", "2026-W09"),  # Wednesday
        ("2026-03-05", "2026-W10"),  # Thursday reviews this week
        ("2026-03-06", "2026-W10"),  # Friday
        ("2026-03-07", "2026-W10"),  # Saturday
        ("2026-03-08", "2026-W10"),  # Sunday
    ],
)
def test_review_week_by_weekday(day: str, expected: str) -> None:
    slot = slot_on(dtm.date.fromisoformat(day), 9, "Asia/Seoul")

    assert review_week(slot, "Asia/Seoul") == IsoWeek.parse(expected)


@pytest.mark.parametrize(
    ("tz", "slot", "expected"),
    [
        # Wednesday 20:00 in Pago Pago (-11) is Thursday 07:00 UTC: still a Wednesday review.
        ("Pacific/Pago_Pago", utc(2026, 3, 5, 7), "2026-W09"),
        # Thursday 05:00 in Kiritimati (+14) is Wednesday 15:00 UTC: a Thursday review.
        ("Pacific/Kiritimati", utc(2026, 3, 4, 15), "2026-W10"),
        # Sunday 23:00 in Pago Pago on 2027-01-03 is Monday of 2027-W01 in UTC.
        ("Pacific/Pago_Pago", utc(2027, 1, 4, 10), "2026-W53"),
        # Thursday 23:00 on New Year's Eve in Kiritimati.
        ("Pacific/Kiritimati", utc(2026, 12, 31, 9), "2026-W53"),
    ],
)
def test_review_week_uses_the_local_day(tz: str, slot: dtm.datetime, expected: str) -> None:
    assert review_week(slot, tz) == IsoWeek.parse(expected)


def test_monday_slot_in_week_one_reviews_last_week_of_previous_year() -> None:
    # 2025-12-29 is the Monday of 2026-W01; 2025 has 52 ISO weeks.
    slot = slot_on(dtm.date(2025, 12, 29), 8, "Europe/Berlin")

    assert IsoWeek.at(slot, ZoneInfo("Europe/Berlin")) == IsoWeek(2026, 1)
    assert review_week(slot, "Europe/Berlin") == IsoWeek(2025, 52)


def test_week_53_is_reviewed_on_friday_and_the_following_monday() -> None:
    tz = "Asia/Seoul"
    start, end = utc(2026, 12, 20), utc(2027, 1, 12)

    fridays = slots_between(start, end, 4, 9, tz)
    mondays = slots_between(start, end, 0, 9, tz)

    # 2026-W53 runs from Monday 2026-12-28 to Sunday 2027-01-03.
    assert [local(s, tz).date().isoformat() for s in fridays] == [
        "2026-12-25",
        "2027-01-01",
        "2027-01-08",
    ]
    assert [review_week(s, tz).key for s in fridays] == ["2026-W52", "2026-W53", "2027-W01"]
    assert [local(s, tz).date().isoformat() for s in mondays] == [
        "2026-12-21",
        "2026-12-28",
        "2027-01-04",
        "2027-01-11",
    ]
    assert [review_week(s, tz).key for s in mondays] == [
        "2026-W51",
        "2026-W52",
        "2026-W53",
        "2027-W01",
    ]


@pytest.mark.parametrize("tz", ZONES)
def test_every_week_of_the_53_week_year_is_reviewed_exactly_once(tz: str) -> None:
    for weekday in (0, 3, 6):
        slots = walk(weekday, 10, 0, tz)
        reviewed = [review_week(slot, tz) for slot in slots]
        assert reviewed.count(IsoWeek(2026, 53)) == 1
        assert len(set(reviewed)) == len(reviewed)
        assert all(b.ordinal - a.ordinal == 1 for a, b in itertools.pairwise(reviewed))


def test_review_week_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        review_week(dtm.datetime(2026, 1, 1), "Asia/Seoul")


# --- property -------------------------------------------------------------------------------


@given(
    tz=st.sampled_from(ZONES),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    start=st.datetimes(
        min_value=dtm.datetime(2024, 6, 1),
        max_value=dtm.datetime(2029, 6, 1),
        timezones=st.just(UTC),
    ),
)
def test_next_slot_properties(
    tz: str, weekday: int, hour: int, minute: int, start: dtm.datetime
) -> None:
    first = next_slot(start, weekday, hour, tz, minute)
    second = next_slot(first, weekday, hour, tz, minute)

    assert start < first <= start + dtm.timedelta(days=7, hours=1)
    assert next_slot(first - dtm.timedelta(seconds=1), weekday, hour, tz, minute) == first
    for slot in (first, second):
        shown = local(slot, tz)
        assert shown.weekday() == weekday
        expected = first_instant_showing(shown.date(), hour, minute, tz)
        assert slot == expected
        if (shown.hour, shown.minute) != (hour, minute):
            # Only a spring-forward gap moves the slot, and only to the gap's end.
            assert (
                shown.utcoffset()
                != (slot - dtm.timedelta(minutes=1)).astimezone(ZoneInfo(tz)).utcoffset()
            )
            assert shown.time() > dtm.time(hour, minute)
    assert dtm.timedelta(days=6) <= second - first <= dtm.timedelta(days=8)
    assert local(second, tz).date() - local(first, tz).date() == dtm.timedelta(days=7)
