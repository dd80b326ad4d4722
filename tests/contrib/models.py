"""Models for the contrib tests."""
