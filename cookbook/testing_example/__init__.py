"""A project's test module for the "Testing your triggers" page, run by its demo with pytest."""
