"""Results: counting runs (stored, re-runnable, published) and the public results pages."""
