"""Editions of the participatory budget, their phases, districts and themes."""
