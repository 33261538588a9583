"""Work the sender runs at a chat's turn, outside any transaction (see :mod:`bot.pipeline.tasks`):
the monthly recap, the year draft and its ZIP, and export and import of a user's data."""
