"""Policies: the documents as data — clauses, metadata, validity and stacking rules — loaded and validated."""
