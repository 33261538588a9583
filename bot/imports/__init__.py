"""Bringing a past journal in: parsers for Day One, jrnl, Daylio and Markdown notes."""
