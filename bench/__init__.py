"""Benchmarks: each prints its figure, its baseline and the target, and fails on a miss."""
