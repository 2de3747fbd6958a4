"""Benchmarks (not tests): each prints its figures and compares with a baseline measured
in the same run."""
