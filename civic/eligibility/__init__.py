"""Who may vote: the voter roll, account links to it, and participation (émargement) of a final vote.

The identity side of docs/design voting.md: nothing here says what anyone voted. A "vote" is an edition's
final vote, so everything is keyed by ``edition_id``; a consultation poll will get its own key when it comes.
"""
