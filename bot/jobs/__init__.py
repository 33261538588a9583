"""Jobs the scheduler runs: the weekly prompts (and, later, recaps and drafts)."""
