"""Applying OKR files to the database: parse, diff into a changeset, write with audit."""
