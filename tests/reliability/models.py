"""Models for the reliability tests."""
