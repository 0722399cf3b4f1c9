"""Answering: read the question once, route it to one answer path, quote verbatim, guard every amount."""
