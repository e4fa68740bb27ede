"""Computations on a checked Dataset: geography, features, model, composite index, hotspots, allocation."""
