"""Benchmarks: ``python -m benchmarks [--quick] [name ...]`` (``make bench``).

Every benchmark measures its variants side by side in one run, alternating their order over
several rounds, and prints medians and ratios: machines here are noisy, ratios are stable.
"""
