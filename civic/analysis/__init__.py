"""Technical analysis: assignment, review, cost range, right of reply, batch publication, merges."""
