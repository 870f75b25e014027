"""Cross-domain pieces with no views: audit log, money, time, errors, mail."""
