"""The user's data as a file: the export schema, exporting it, importing it back."""
