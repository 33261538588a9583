"""The reactions that acknowledge a user's message instead of a "got it" reply."""

SAVED_REACTION = "👌"  # a note or an answer is stored
EDIT_REACTION = "✍"  # an edit of a stored message is stored
