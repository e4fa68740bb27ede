"""Benchmarks: they print figures and compare against the naive way in the same run.

They never assert on wall time (machines are shared and noisy). Run all with
`make bench` or one with `python -m bench.map_render`.
"""
