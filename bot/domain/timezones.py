"""Turn what a user types during onboarding into an IANA time zone, and label zones for display.

Accepted input, checked in this order (case-, space-, underscore-, hyphen-, dot- and
accent-insensitive):

1. ``UTC`` / ``GMT`` / ``Z`` and offsets such as ``UTC+9``, ``GMT-5``, ``+09:00``, ``+0545``,
   ``utc-3:30``. Whole-hour offsets become ``Etc/GMT-9``-style zones (POSIX sign: the sign in
   the name is inverted; ``UTC±0`` becomes ``UTC``). Half- and quarter-hour offsets map to one
   representative real zone (``+05:30`` -> ``Asia/Kolkata``); note that some of those zones
   observe daylight saving time, so their offset is the typed one only part of the year.
2. An alias for a big city, country or common abbreviation that is not itself a zone name,
   in English or Korean (``NYC``, ``San Francisco``, ``부산``, ``KST``).
3. A full IANA name (``europe/berlin``).
4. The last component of any IANA zone (``Berlin``, ``Sao Paulo``, ``Port of Spain``),
   derived from :func:`zoneinfo.available_timezones`.

``City, Country`` is tried as a whole and then part by part. Anything longer than 100
characters, containing emoji, markup or other symbols resolves to ``None``.
"""

from __future__ import annotations

import datetime as dtm
import difflib
import functools
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_INPUT_LENGTH = 100

UTC_NAME = "UTC"

# Symbols a place name or offset may contain besides letters, digits, marks and spaces.
_ALLOWED_PUNCTUATION = frozenset("_-/.,'’+:−–")
_MINUS_SIGNS = str.maketrans({"−": "-", "–": "-"})
_OFFSET = re.compile(r"^(?:utc|gmt)?([+-])(\d{1,2})(?::?([0-5]\d))?$")

# Etc/GMT zones exist for whole-hour offsets from UTC-12 to UTC+14.
_MIN_WHOLE_OFFSET_HOURS = -12
_MAX_WHOLE_OFFSET_HOURS = 14

# Offsets with minutes: one representative zone each (minutes east of UTC -> zone).
_PARTIAL_OFFSET_ZONES: Mapping[int, str] = {
    5 * 60 + 30: "Asia/Kolkata",
    5 * 60 + 45: "Asia/Kathmandu",
    9 * 60 + 30: "Australia/Darwin",
    3 * 60 + 30: "Asia/Tehran",
    -(3 * 60 + 30): "America/St_Johns",
    6 * 60 + 30: "Asia/Yangon",
    4 * 60 + 30: "Asia/Kabul",
    8 * 60 + 45: "Australia/Eucla",
    12 * 60 + 45: "Pacific/Chatham",
    -(9 * 60 + 30): "Pacific/Marquesas",
    10 * 60 + 30: "Australia/Lord_Howe",
}

# Ways of writing UTC itself.
_UTC_WORDS = frozenset(
    {"utc", "gmt", "z", "zulu", "uct", "universal", "gmt0", "협정세계시", "세계협정시"}
)

# Zone entries that are not places a user could mean.
_EXCLUDED_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_EXCLUDED_PREFIXES = ("posix/", "right/")
_SIGNED_NAME = re.compile(r"[+-]\d")

# Current continental areas of the tz database; other areas (US/, Canada/, Brazil/ ...) and
# top-level names (Japan, Hongkong ...) are backward-compatibility links.
_PRIMARY_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)

# Big cities, countries and abbreviations that are not zone names (or that should win over
# a zone name), written as a user would type them; keys are normalized on import.
ALIASES: Mapping[str, str] = {
    # Korea
    "Korea": "Asia/Seoul",
    "South Korea": "Asia/Seoul",
    "KST": "Asia/Seoul",
    "Busan": "Asia/Seoul",
    "Incheon": "Asia/Seoul",
    "Daegu": "Asia/Seoul",
    "Daejeon": "Asia/Seoul",
    "Gwangju": "Asia/Seoul",
    "Ulsan": "Asia/Seoul",
    "Suwon": "Asia/Seoul",
    "Jeju": "Asia/Seoul",
    "한국": "Asia/Seoul",
    "대한민국": "Asia/Seoul",
    "서울": "Asia/Seoul",
    "부산": "Asia/Seoul",
    "인천": "Asia/Seoul",
    "대구": "Asia/Seoul",
    "대전": "Asia/Seoul",
    "광주": "Asia/Seoul",
    "울산": "Asia/Seoul",
    "수원": "Asia/Seoul",
    "제주": "Asia/Seoul",
    "평양": "Asia/Pyongyang",
    # East and South-East Asia
    "Japan": "Asia/Tokyo",
    "JST": "Asia/Tokyo",
    "Osaka": "Asia/Tokyo",
    "Kyoto": "Asia/Tokyo",
    "Yokohama": "Asia/Tokyo",
    "Nagoya": "Asia/Tokyo",
    "Fukuoka": "Asia/Tokyo",
    "Sapporo": "Asia/Tokyo",
    "일본": "Asia/Tokyo",
    "도쿄": "Asia/Tokyo",
    "동경": "Asia/Tokyo",
    "오사카": "Asia/Tokyo",
    "교토": "Asia/Tokyo",
    "후쿠오카": "Asia/Tokyo",
    "삿포로": "Asia/Tokyo",
    "China": "Asia/Shanghai",
    "Beijing": "Asia/Shanghai",
    "Peking": "Asia/Shanghai",
    "Shenzhen": "Asia/Shanghai",
    "Guangzhou": "Asia/Shanghai",
    "Hangzhou": "Asia/Shanghai",
    "Chengdu": "Asia/Shanghai",
    "중국": "Asia/Shanghai",
    "베이징": "Asia/Shanghai",
    "북경": "Asia/Shanghai",
    "상하이": "Asia/Shanghai",
    "상해": "Asia/Shanghai",
    "홍콩": "Asia/Hong_Kong",
    "HKT": "Asia/Hong_Kong",
    "마카오": "Asia/Macau",
    "Taiwan": "Asia/Taipei",
    "대만": "Asia/Taipei",
    "타이베이": "Asia/Taipei",
    "타이페이": "Asia/Taipei",
    "싱가포르": "Asia/Singapore",
    "싱가폴": "Asia/Singapore",
    "SGT": "Asia/Singapore",
    "Thailand": "Asia/Bangkok",
    "태국": "Asia/Bangkok",
    "방콕": "Asia/Bangkok",
    "Vietnam": "Asia/Ho_Chi_Minh",
    "Hanoi": "Asia/Ho_Chi_Minh",
    "Ho Chi Minh City": "Asia/Ho_Chi_Minh",
    "Da Nang": "Asia/Ho_Chi_Minh",
    "베트남": "Asia/Ho_Chi_Minh",
    "하노이": "Asia/Ho_Chi_Minh",
    "호치민": "Asia/Ho_Chi_Minh",
    "호찌민": "Asia/Ho_Chi_Minh",
    "다낭": "Asia/Ho_Chi_Minh",
    "Philippines": "Asia/Manila",
    "Cebu": "Asia/Manila",
    "필리핀": "Asia/Manila",
    "마닐라": "Asia/Manila",
    "세부": "Asia/Manila",
    "Bali": "Asia/Makassar",
    "발리": "Asia/Makassar",
    "자카르타": "Asia/Jakarta",
    "쿠알라룸푸르": "Asia/Kuala_Lumpur",
    "울란바토르": "Asia/Ulaanbaatar",
    # South Asia and the Middle East
    "India": "Asia/Kolkata",
    "IST": "Asia/Kolkata",
    "Delhi": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata",
    "Mumbai": "Asia/Kolkata",
    "Bombay": "Asia/Kolkata",
    "Bangalore": "Asia/Kolkata",
    "Bengaluru": "Asia/Kolkata",
    "Chennai": "Asia/Kolkata",
    "Hyderabad": "Asia/Kolkata",
    "Pune": "Asia/Kolkata",
    "인도": "Asia/Kolkata",
    "델리": "Asia/Kolkata",
    "뉴델리": "Asia/Kolkata",
    "뭄바이": "Asia/Kolkata",
    "Nepal": "Asia/Kathmandu",
    "네팔": "Asia/Kathmandu",
    "카트만두": "Asia/Kathmandu",
    "Abu Dhabi": "Asia/Dubai",
    "UAE": "Asia/Dubai",
    "두바이": "Asia/Dubai",
    "아부다비": "Asia/Dubai",
    "Tel Aviv": "Asia/Jerusalem",
    "텔아비브": "Asia/Jerusalem",
    "예루살렘": "Asia/Jerusalem",
    "Istanbul": "Europe/Istanbul",
    "Ankara": "Europe/Istanbul",
    "Turkey": "Europe/Istanbul",
    "이스탄불": "Europe/Istanbul",
    "튀르키예": "Europe/Istanbul",
    "터키": "Europe/Istanbul",
    "테헤란": "Asia/Tehran",
    # Europe
    "UK": "Europe/London",
    "United Kingdom": "Europe/London",
    "England": "Europe/London",
    "Britain": "Europe/London",
    "BST": "Europe/London",
    "Manchester": "Europe/London",
    "Edinburgh": "Europe/London",
    "영국": "Europe/London",
    "런던": "Europe/London",
    "Ireland": "Europe/Dublin",
    "더블린": "Europe/Dublin",
    "France": "Europe/Paris",
    "프랑스": "Europe/Paris",
    "파리": "Europe/Paris",
    "Germany": "Europe/Berlin",
    "Munich": "Europe/Berlin",
    "München": "Europe/Berlin",
    "Frankfurt": "Europe/Berlin",
    "Hamburg": "Europe/Berlin",
    "Cologne": "Europe/Berlin",
    "독일": "Europe/Berlin",
    "베를린": "Europe/Berlin",
    "뮌헨": "Europe/Berlin",
    "프랑크푸르트": "Europe/Berlin",
    "함부르크": "Europe/Berlin",
    "Netherlands": "Europe/Amsterdam",
    "암스테르담": "Europe/Amsterdam",
    "브뤼셀": "Europe/Brussels",
    "Switzerland": "Europe/Zurich",
    "Geneva": "Europe/Zurich",
    "취리히": "Europe/Zurich",
    "제네바": "Europe/Zurich",
    "Austria": "Europe/Vienna",
    "빈": "Europe/Vienna",
    "비엔나": "Europe/Vienna",
    "프라하": "Europe/Prague",
    "바르샤바": "Europe/Warsaw",
    "부다페스트": "Europe/Budapest",
    "Italy": "Europe/Rome",
    "Milan": "Europe/Rome",
    "Florence": "Europe/Rome",
    "Venice": "Europe/Rome",
    "이탈리아": "Europe/Rome",
    "로마": "Europe/Rome",
    "밀라노": "Europe/Rome",
    "Spain": "Europe/Madrid",
    "Barcelona": "Europe/Madrid",
    "스페인": "Europe/Madrid",
    "마드리드": "Europe/Madrid",
    "바르셀로나": "Europe/Madrid",
    "리스본": "Europe/Lisbon",
    "스톡홀름": "Europe/Stockholm",
    "오슬로": "Europe/Oslo",
    "코펜하겐": "Europe/Copenhagen",
    "헬싱키": "Europe/Helsinki",
    "아테네": "Europe/Athens",
    "Russia": "Europe/Moscow",
    "MSK": "Europe/Moscow",
    "Saint Petersburg": "Europe/Moscow",
    "St Petersburg": "Europe/Moscow",
    "모스크바": "Europe/Moscow",
    "키이우": "Europe/Kyiv",
    "키예프": "Europe/Kyiv",
    # North America
    "NYC": "America/New_York",
    "New York City": "America/New_York",
    "Manhattan": "America/New_York",
    "Brooklyn": "America/New_York",
    "Washington": "America/New_York",
    "Washington DC": "America/New_York",
    "DC": "America/New_York",
    "Boston": "America/New_York",
    "Philadelphia": "America/New_York",
    "Atlanta": "America/New_York",
    "Miami": "America/New_York",
    "Eastern": "America/New_York",
    "Eastern Time": "America/New_York",
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "뉴욕": "America/New_York",
    "워싱턴": "America/New_York",
    "보스턴": "America/New_York",
    "애틀랜타": "America/New_York",
    "마이애미": "America/New_York",
    "Dallas": "America/Chicago",
    "Houston": "America/Chicago",
    "Austin": "America/Chicago",
    "Central": "America/Chicago",
    "Central Time": "America/Chicago",
    "CT": "America/Chicago",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "시카고": "America/Chicago",
    "댈러스": "America/Chicago",
    "달라스": "America/Chicago",
    "휴스턴": "America/Chicago",
    "Mountain": "America/Denver",
    "Mountain Time": "America/Denver",
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "Salt Lake City": "America/Denver",
    "덴버": "America/Denver",
    "LA": "America/Los_Angeles",
    "San Francisco": "America/Los_Angeles",
    "SF": "America/Los_Angeles",
    "San Diego": "America/Los_Angeles",
    "San Jose": "America/Los_Angeles",
    "Silicon Valley": "America/Los_Angeles",
    "Seattle": "America/Los_Angeles",
    "Portland": "America/Los_Angeles",
    "Las Vegas": "America/Los_Angeles",
    "Pacific": "America/Los_Angeles",
    "Pacific Time": "America/Los_Angeles",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "로스앤젤레스": "America/Los_Angeles",
    "엘에이": "America/Los_Angeles",
    "샌프란시스코": "America/Los_Angeles",
    "샌디에이고": "America/Los_Angeles",
    "실리콘밸리": "America/Los_Angeles",
    "시애틀": "America/Los_Angeles",
    "라스베이거스": "America/Los_Angeles",
    "Hawaii": "Pacific/Honolulu",
    "HST": "Pacific/Honolulu",
    "하와이": "Pacific/Honolulu",
    "호놀룰루": "Pacific/Honolulu",
    "앵커리지": "America/Anchorage",
    "Montreal": "America/Toronto",
    "Ottawa": "America/Toronto",
    "토론토": "America/Toronto",
    "몬트리올": "America/Toronto",
    "오타와": "America/Toronto",
    "Calgary": "America/Edmonton",
    "밴쿠버": "America/Vancouver",
    "Mexico": "America/Mexico_City",
    "멕시코시티": "America/Mexico_City",
    # South America
    "Rio": "America/Sao_Paulo",
    "Rio de Janeiro": "America/Sao_Paulo",
    "상파울루": "America/Sao_Paulo",
    "리우데자네이루": "America/Sao_Paulo",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "부에노스아이레스": "America/Argentina/Buenos_Aires",
    "산티아고": "America/Santiago",
    "리마": "America/Lima",
    "보고타": "America/Bogota",
    # Oceania
    "Canberra": "Australia/Sydney",
    "AEST": "Australia/Sydney",
    "시드니": "Australia/Sydney",
    "캔버라": "Australia/Sydney",
    "멜버른": "Australia/Melbourne",
    "브리즈번": "Australia/Brisbane",
    "퍼스": "Australia/Perth",
    "애들레이드": "Australia/Adelaide",
    "New Zealand": "Pacific/Auckland",
    "Wellington": "Pacific/Auckland",
    "뉴질랜드": "Pacific/Auckland",
    "오클랜드": "Pacific/Auckland",
    "웰링턴": "Pacific/Auckland",
    "괌": "Pacific/Guam",
    "사이판": "Pacific/Saipan",
    # Africa
    "Egypt": "Africa/Cairo",
    "카이로": "Africa/Cairo",
    "Cape Town": "Africa/Johannesburg",
    "South Africa": "Africa/Johannesburg",
    "요하네스버그": "Africa/Johannesburg",
    "케이프타운": "Africa/Johannesburg",
    "나이로비": "Africa/Nairobi",
    "라고스": "Africa/Lagos",
}


def _key(text: str) -> str:
    """Letters and digits only, case-folded, without accents: ``São_Paulo`` -> ``saopaulo``."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    # Recompose so that Hangul syllables compare as syllables again.
    return "".join(ch for ch in unicodedata.normalize("NFC", bare) if ch.isalnum())


def _full_key(name: str) -> str:
    """A zone name's key keeping its areas: ``America/New_York`` -> ``america/newyork``."""
    return "/".join(_key(part) for part in name.split("/"))


def _preference(zone: str) -> tuple[int, int, str]:
    """Sort key choosing between zones that share a last component (smaller wins).

    Current areas beat legacy ones (``Asia/Hong_Kong`` over ``Hongkong``); within an area the
    deeper, canonical name wins (``America/Argentina/Cordoba`` over ``America/Cordoba``).
    """
    parts = zone.split("/")
    return (0 if parts[0] in _PRIMARY_AREAS else 1, -len(parts), zone)


def _build_indexes(
    zones: Iterable[str],
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(case-folded name, normalized full name, normalized last component) -> zone."""
    exact: dict[str, str] = {}
    full: dict[str, str] = {}
    last: dict[str, str] = {}
    for zone in sorted(zones, key=_preference):
        if zone in _EXCLUDED_ZONES or zone.startswith(_EXCLUDED_PREFIXES):
            continue
        exact.setdefault(zone.casefold(), zone)
        if _SIGNED_NAME.search(zone):
            # Etc/GMT+5 and Etc/GMT-5 only differ by their sign: exact matches only.
            continue
        full.setdefault(_full_key(zone), zone)
        last_key = _key(zone.rsplit("/", 1)[-1])
        if last_key and last_key not in _UTC_WORDS and not zone.startswith("Etc/"):
            last.setdefault(last_key, zone)
    return exact, full, last


@dataclass(frozen=True)
class _Indexes:
    exact: dict[str, str]
    full: dict[str, str]
    by_name: dict[str, str]  # everything a bare name (no "/") can match; aliases win
    suggest_by_name: dict[str, str]
    suggest_keys: list[str]


@functools.cache
def _indexes() -> _Indexes:
    """Built on first use: scanning the zone database is start-up time nobody needs."""
    exact, full, last = _build_indexes(zoneinfo.available_timezones())
    alias_keys = {_key(alias): zone for alias, zone in ALIASES.items()}
    by_name = {**last, **alias_keys}
    suggest_by_name = {_similarity_key(k): zone for k, zone in by_name.items()}
    return _Indexes(exact, full, by_name, suggest_by_name, list(suggest_by_name))


def _is_clean(text: str) -> bool:
    """Whether ``text`` looks like a place name or offset (no emoji, markup or symbols)."""
    if not text or len(text) > MAX_INPUT_LENGTH:
        return False
    return all(
        ch.isalnum() or ch.isspace() or unicodedata.combining(ch) or ch in _ALLOWED_PUNCTUATION
        for ch in text
    )


def _zone_for_offset(text: str) -> str | None:
    """``UTC+9`` -> ``Etc/GMT-9``; ``+05:30`` -> ``Asia/Kolkata``; None if not an offset we map."""
    compact = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    match = _OFFSET.match(compact.translate(_MINUS_SIGNS))
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    hours = int(match.group(2))
    minutes = int(match.group(3) or 0)
    if minutes:
        return _PARTIAL_OFFSET_ZONES.get(sign * (hours * 60 + minutes))
    signed_hours = sign * hours
    if signed_hours == 0:
        return UTC_NAME
    if not _MIN_WHOLE_OFFSET_HOURS <= signed_hours <= _MAX_WHOLE_OFFSET_HOURS:
        return None
    # POSIX-style names: Etc/GMT-9 is nine hours *ahead* of UTC.
    return f"Etc/GMT{-signed_hours:+d}"


def _resolve_one(text: str) -> str | None:
    stripped = text.strip()
    if not stripped:
        return None
    offset_zone = _zone_for_offset(stripped)
    if offset_zone is not None:
        return offset_zone
    key = _key(stripped)
    if key in _UTC_WORDS:
        return UTC_NAME
    indexes = _indexes()
    if "/" in stripped:
        return indexes.exact.get(stripped.casefold()) or indexes.full.get(_full_key(stripped))
    return indexes.by_name.get(key) or indexes.exact.get(stripped.casefold())


def resolve_timezone(text: str) -> str | None:
    """The IANA zone name a user means by ``text``, or None when it is not recognised.

    The result can always be passed to :class:`zoneinfo.ZoneInfo`.
    """
    if not _is_clean(text):
        return None
    zone = _resolve_one(text)
    if zone is None and "," in text:
        for part in text.split(","):
            zone = _resolve_one(part)
            if zone is not None:
                break
    return zone


def _similarity_key(key: str) -> str:
    # Hangul decomposed into jamo, so that one wrong consonant is a small difference.
    return unicodedata.normalize("NFD", key)


_SUGGESTION_CUTOFF = 0.75


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` zones whose names are close to ``text``, best first ("Berln" -> Berlin).

    Meant for when :func:`resolve_timezone` fails; if it succeeds its zone is the only
    suggestion. For ``Area/Name`` input only the last part is compared. Garbage input gives
    an empty list.
    """
    if limit <= 0 or not _is_clean(text):
        return []
    resolved = resolve_timezone(text)
    if resolved is not None:
        return [resolved]
    query = _key(text.strip().rsplit("/", 1)[-1])
    if not query:
        return []
    matches = difflib.get_close_matches(
        _similarity_key(query), _indexes().suggest_keys, n=limit * 4, cutoff=_SUGGESTION_CUTOFF
    )
    zones: list[str] = []
    for match in matches:
        zone = _indexes().suggest_by_name[match]
        if zone not in zones:
            zones.append(zone)
    return zones[:limit]


def utc_offset_label(zone: str, at: dtm.datetime) -> str:
    """``UTC+09:00`` / ``UTC−03:30``: the offset of ``zone`` at the aware instant ``at``.

    Raises ValueError for a naive ``at`` and :class:`zoneinfo.ZoneInfoNotFoundError` (a
    KeyError) for an unknown zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("utc_offset_label needs a timezone-aware datetime")
    offset = at.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() or dtm.timedelta(0)
    seconds = int(offset.total_seconds())
    sign = "−" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


_POSIX_OFFSET = re.compile(r"Etc/GMT([+-])(\d{1,2})")


def zone_display_name(zone: str) -> str:
    """How to show ``zone`` to a person: its IANA name, except the fixed-offset ``Etc/GMT±N``
    zones, whose POSIX sign is the opposite of what they mean (``Etc/GMT-9`` → ``UTC+9``)."""
    match = _POSIX_OFFSET.fullmatch(zone)
    if match is None:
        return zone
    hours = int(match.group(2))
    sign = "−" if match.group(1) == "+" and hours else "+"
    return f"UTC{sign}{hours}"
