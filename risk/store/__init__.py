"""The versioned dataset store (GeoPackage) and its tamper-evident audit log."""
