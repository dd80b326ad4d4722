"""Models for the runtime tests."""
