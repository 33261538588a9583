"""Reports built from a user's journal: the monthly recap, the year-end draft, charts.

Everything here is pure (journal in, text or bytes out) apart from rendering a PNG.
"""
