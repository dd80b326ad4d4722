"""The 4.17.0 side's Django app: the same tables as ``benchmarks.models``, under 4.17."""
