"""Pure domain logic: weeks, time zones, schedules and questions. No I/O here."""
