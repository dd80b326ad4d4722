"""Runnable recipes: each page is a module with models and a ``demo()``."""
