"""Prebuilt trigger recipes, each exported as ``pgtrigger.<Name>``."""
