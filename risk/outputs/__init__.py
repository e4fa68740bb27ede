"""What leaves the engine: classification, map layers, HTML rendering, exports (tables, GIS, PDF)."""
