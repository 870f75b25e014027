"""Appels à communs and the co-budget (``../shared/design/commons.md``).

``ledger_rules`` is the pure arithmetic of the co-budget's ledger: one double-entry journal, reversals,
two-phase pledges, delegation chains, matching, goals and the indicative value of volunteer time.
"""
