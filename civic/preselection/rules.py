"""Qualification at the end of pre-selection. Pure: no framework imports."""
