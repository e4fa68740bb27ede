"""The generated demo province (synthetic indicators and cases on the real 2025 communes)."""
