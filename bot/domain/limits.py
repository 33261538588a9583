"""What a user may keep of their own lists, the same whether typed or restored from an export:
how many questions and how long each question and goal may be."""

from __future__ import annotations

MAX_QUESTIONS = 20  # rows of /questions, built-in ones included (3 buttons each, ≤ 100)
MAX_QUESTION_CHARS = 300
MAX_GOAL_CHARS = 500
MAX_GOALS_PER_YEAR = 20  # two years of goals, two buttons each, within Telegram's 100 buttons
