"""weekly-review-bot: a Telegram bot for a weekly review habit and a year-end review draft."""

__version__ = "0.1.0"
