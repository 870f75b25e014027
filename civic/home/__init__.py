"""The home page: it sits on top of the domain packages, since it leads with the current edition."""
