"""Encryption at rest: every word a user wrote is sealed with that user's own data key.

* :mod:`bot.crypto.cipher` seals and opens one value (AES-256-GCM, from ``cryptography``).
* :mod:`bot.crypto.master` loads the operator's master key, which wraps the data keys.
* :mod:`bot.crypto.keyring` keeps the wrapped data keys, in a database of their own.
* :mod:`bot.crypto.vault` hands out data keys, makes new ones and destroys them (``/delete``).
* :mod:`bot.crypto.sealing` wires it into the models: rows are sealed on their way into the
  database and opened on their way out, so the rest of the bot sees only plain text.
"""
