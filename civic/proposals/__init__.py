"""Proposals: submission online and at the town hall, versions, co-authors, images, comments."""
