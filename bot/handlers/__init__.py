"""Telegram handlers: thin adapters from updates to storage and domain calls."""
