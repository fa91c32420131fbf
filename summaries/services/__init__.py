"""Writes of the summary pipeline, one module per topic."""
