"""Time-zone input during onboarding: places, zone names and offsets a user might type."""

from __future__ import annotations

import datetime as dtm
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.timezones import (
    ALIASES,
    resolve_timezone,
    suggest_timezones,
    utc_offset_label,
    zone_display_name,
)

WINTER = dtm.datetime(2026, 1, 15, 12, tzinfo=dtm.UTC)
SUMMER = dtm.datetime(2026, 7, 15, 12, tzinfo=dtm.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Zone cities, any case, spacing, underscores and accents.
        ("Seoul", "Asia/Seoul"),
        ("seoul", "Asia/Seoul"),
        ("  SEOUL  ", "Asia/Seoul"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("NewYork", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Tokyo", "Asia/Tokyo"),
        ("London", "Europe/London"),
        ("Sydney", "Australia/Sydney"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("Paris", "Europe/Paris"),
        ("Los Angeles", "America/Los_Angeles"),
        ("Chicago", "America/Chicago"),
        ("Toronto", "America/Toronto"),
        ("Singapore", "Asia/Singapore"),
        ("Hong Kong", "Asia/Hong_Kong"),
        ("Zürich", "Europe/Zurich"),
        ("port au prince", "America/Port-au-Prince"),
        ("St. John's", "America/St_Johns"),
        ("Ho Chi Minh", "Asia/Ho_Chi_Minh"),
        # Big cities that are not zone names.
        ("NYC", "America/New_York"),
        ("San Francisco", "America/Los_Angeles"),
        ("LA", "America/Los_Angeles"),
        ("Busan", "Asia/Seoul"),
        ("Delhi", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("Bangalore", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("Munich", "Europe/Berlin"),
        ("munchen", "Europe/Berlin"),
        ("Istanbul", "Europe/Istanbul"),
        ("Paris, France", "Europe/Paris"),
        ("KST", "Asia/Seoul"),
        # Korean names.
        ("서울", "Asia/Seoul"),
        ("부산", "Asia/Seoul"),
        ("도쿄", "Asia/Tokyo"),
        ("런던", "Europe/London"),
        ("뉴욕", "America/New_York"),
        ("뉴 욕", "America/New_York"),
        ("베를린", "Europe/Berlin"),
        ("파리", "Europe/Paris"),
        ("시드니", "Australia/Sydney"),
        ("로스앤젤레스", "America/Los_Angeles"),
        ("샌프란시스코", "America/Los_Angeles"),
        ("베이징", "Asia/Shanghai"),
        ("홍콩", "Asia/Hong_Kong"),
        ("싱가포르", "Asia/Singapore"),
        ("토론토", "America/Toronto"),
        ("카트만두", "Asia/Kathmandu"),
        # Full IANA names in any case; deeper canonical names win over legacy links.
        ("europe/berlin", "Europe/Berlin"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("America/Indianapolis", "America/Indianapolis"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
        ("Hongkong", "Asia/Hong_Kong"),
        ("etc/gmt-9", "Etc/GMT-9"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        # UTC itself.
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("UTC+0", "UTC"),
        ("+00:00", "UTC"),
        # Whole-hour offsets: POSIX names with the sign inverted.
        ("UTC+9", "Etc/GMT-9"),
        ("UTC +9", "Etc/GMT-9"),
        ("utc+09", "Etc/GMT-9"),
        ("GMT-5", "Etc/GMT+5"),
        ("+09:00", "Etc/GMT-9"),
        ("+9", "Etc/GMT-9"),
        ("+0900", "Etc/GMT-9"),
        ("UTC−3", "Etc/GMT+3"),  # typographic minus
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
        # Offsets with minutes: a representative real zone.
        ("UTC+5:45", "Asia/Kathmandu"),
        ("+0545", "Asia/Kathmandu"),
        ("UTC+05:30", "Asia/Kolkata"),
        ("+5:30", "Asia/Kolkata"),
        ("utc-3:30", "America/St_Johns"),
        ("UTC+9:30", "Australia/Darwin"),
        ("UTC+3:30", "Asia/Tehran"),
        ("UTC+6:30", "Asia/Yangon"),
        ("UTC+4:30", "Asia/Kabul"),
        ("UTC+8:45", "Australia/Eucla"),
        ("UTC+12:45", "Pacific/Chatham"),
        ("UTC-9:30", "Pacific/Marquesas"),
        ("UTC+10:30", "Australia/Lord_Howe"),
    ],
)
def test_resolve_timezone(text: str, expected: str) -> None:
    assert resolve_timezone(text) == expected
    zoneinfo.ZoneInfo(expected)  # usable as stored


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Atlantis",
        "Europe/Atlantis",
        "Europe/",
        "/",
        "Asia/Berlin",  # a real city under the wrong area is not guessed
        "UTC+15",  # no such offset
        "UTC-13",
        "+25:00",
        "+05:15",  # no zone uses it
        "-02:30",
        "+9:60",
        "9",  # a bare number is not an offset
        "UTC 9",
        "🎉",
        "Seoul 🎉",
        "🇰🇷",
        "<b>Seoul</b>",
        "<script>alert(1)</script>",
        "Seoul&nbsp;",
        "Seoul" + " " * 96,  # 101 characters
        "x" * 101,
        "Berlin" * 50,
        "\x00Seoul",
        "DROP TABLE users;",
    ],
)
def test_resolve_timezone_rejects_garbage(text: str) -> None:
    assert resolve_timezone(text) is None


def test_every_zone_resolves_by_its_own_name() -> None:
    for zone in zoneinfo.available_timezones() - {"localtime", "Factory"}:
        if "/" in zone:
            assert resolve_timezone(zone) == zone
            assert resolve_timezone(zone.lower()) == zone
        else:
            # Legacy top-level names may give way to the city zone they stand for
            # ("Japan" -> Asia/Tokyo, "EST" -> America/New_York), in winter the same offset.
            resolved = resolve_timezone(zone)
            assert resolved is not None, zone
            assert (
                WINTER.astimezone(zoneinfo.ZoneInfo(resolved)).utcoffset()
                == WINTER.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
            ), zone


def test_every_zone_city_resolves_by_itself() -> None:
    cities = {
        zone.rsplit("/", 1)[-1]
        for zone in zoneinfo.available_timezones()
        if zone.startswith(("Europe/", "Asia/", "America/", "Africa/", "Australia/", "Pacific/"))
    }
    unresolved = sorted(city for city in cities if resolve_timezone(city) is None)
    assert unresolved == []
    assert resolve_timezone("Ulaanbaatar") == "Asia/Ulaanbaatar"
    assert resolve_timezone("port_of_spain") == "America/Port_of_Spain"


def test_alias_targets_are_real_zones() -> None:
    available = zoneinfo.available_timezones()
    assert {zone for zone in ALIASES.values() if zone not in available} == set()
    for alias, zone in ALIASES.items():
        assert resolve_timezone(alias) == zone, alias


@pytest.mark.parametrize("hours", range(-12, 15))
def test_whole_hour_offsets_have_that_offset(hours: int) -> None:
    zone = resolve_timezone(f"UTC{hours:+d}")

    assert zone is not None
    assert WINTER.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() == dtm.timedelta(hours=hours)


@pytest.mark.parametrize(
    "offset",
    [
        "+05:30",
        "+05:45",
        "+09:30",
        "+03:30",
        "-03:30",
        "+06:30",
        "+04:30",
        "+08:45",
        "+12:45",
        "-09:30",
        "+10:30",
    ],
)
def test_partial_offsets_map_to_a_zone_with_that_offset(offset: str) -> None:
    zone = resolve_timezone(offset)
    sign = -1 if offset.startswith("-") else 1
    expected = sign * dtm.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:]))

    assert zone is not None
    # Standard time: some of these zones observe DST for part of the year.
    offsets = {at.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() for at in (WINTER, SUMMER)}
    assert expected in offsets


@given(st.text(max_size=150))
def test_resolve_timezone_never_fails_and_returns_usable_zones(text: str) -> None:
    zone = resolve_timezone(text)

    if zone is not None:
        zoneinfo.ZoneInfo(zone)
    assert isinstance(suggest_timezones(text), list)


# --- suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Berln", ["Europe/Berlin"]),
        ("Seol", ["Asia/Seoul"]),
        ("Lodnon", ["Europe/London"]),
        ("Tokio", ["Asia/Tokyo"]),
        ("Europe/Berln", ["Europe/Berlin"]),
        ("Asia/Busan", ["Asia/Seoul"]),
        ("서룰", ["Asia/Seoul"]),  # one wrong consonant in 서울
        ("Seoul", ["Asia/Seoul"]),  # already resolvable: just that zone
    ],
)
def test_suggest_timezones(text: str, expected: list[str]) -> None:
    assert suggest_timezones(text) == expected


def test_suggestions_are_distinct_real_zones_within_the_limit() -> None:
    available = zoneinfo.available_timezones()
    for text in ("San", "Santa", "Port", "America/Sant"):
        for limit in (1, 2, 3, 5):
            suggestions = suggest_timezones(text, limit=limit)
            assert len(suggestions) <= limit
            assert len(set(suggestions)) == len(suggestions)
            assert set(suggestions) <= available
    assert len(suggest_timezones("Santa", limit=5)) > 1


@pytest.mark.parametrize("text", ["", "xyzzy", "🎉", "<b>Berln</b>", "Berln" * 30, "12345"])
def test_no_suggestions_for_garbage(text: str) -> None:
    assert suggest_timezones(text) == []


def test_no_suggestions_with_zero_limit() -> None:
    assert suggest_timezones("Berln", limit=0) == []


# --- offset labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "at", "expected"),
    [
        ("Asia/Seoul", WINTER, "UTC+09:00"),
        ("UTC", WINTER, "UTC+00:00"),
        ("Europe/London", WINTER, "UTC+00:00"),
        ("Europe/London", SUMMER, "UTC+01:00"),
        ("Europe/Berlin", WINTER, "UTC+01:00"),
        ("Europe/Berlin", SUMMER, "UTC+02:00"),
        ("America/New_York", WINTER, "UTC−05:00"),
        ("America/New_York", SUMMER, "UTC−04:00"),
        ("America/St_Johns", WINTER, "UTC−03:30"),
        ("Asia/Kathmandu", WINTER, "UTC+05:45"),
        ("Asia/Kolkata", SUMMER, "UTC+05:30"),
        ("Pacific/Kiritimati", WINTER, "UTC+14:00"),
        ("Pacific/Pago_Pago", WINTER, "UTC−11:00"),
        ("Pacific/Marquesas", WINTER, "UTC−09:30"),
        ("Australia/Lord_Howe", WINTER, "UTC+11:00"),
        ("Australia/Lord_Howe", SUMMER, "UTC+10:30"),
        ("Etc/GMT-9", WINTER, "UTC+09:00"),
        ("Etc/GMT+5", WINTER, "UTC−05:00"),
    ],
)
def test_utc_offset_label(zone: str, at: dtm.datetime, expected: str) -> None:
    assert utc_offset_label(zone, at) == expected


def test_utc_offset_label_does_not_depend_on_the_zone_of_the_instant() -> None:
    at = SUMMER.astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati"))

    assert utc_offset_label("Europe/Berlin", at) == "UTC+02:00"


def test_utc_offset_label_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_offset_label("Asia/Seoul", dtm.datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Etc/GMT-9", "UTC+9"),
        ("Etc/GMT+5", "UTC−5"),
        ("Etc/GMT-14", "UTC+14"),
        ("Etc/GMT+0", "UTC+0"),
        ("Etc/UTC", "Etc/UTC"),
        ("Asia/Seoul", "Asia/Seoul"),
    ],
)
def test_fixed_offset_zones_are_shown_with_the_sign_people_mean(zone: str, shown: str) -> None:
    assert zone_display_name(zone) == shown
