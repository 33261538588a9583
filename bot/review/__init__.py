"""The weekly review: what the bot says (messages) and how a review moves on (flow)."""
