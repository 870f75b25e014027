"""Back-office screens; they call other domains' services and own no models."""
