"""Cookbook models: each page module's models are imported here."""
