"""A tiny HTTP service that greets whoever asks."""
