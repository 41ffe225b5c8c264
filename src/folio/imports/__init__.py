"""Importing archives from Ghost, WordPress and Markdown folders (Jekyll, Hugo, Folio)."""
