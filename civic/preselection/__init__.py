"""Pre-selection: support rules, supports (pre-vote), qualification and pre-selection days."""
