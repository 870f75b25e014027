"""Voting: ballot boxes (vote pools), the projects on them and the ballots, kept apart from voters."""
