"""Risk engine for the trafficking-prevention dashboard.

Everything here is importable and testable without Streamlit: pages only call
into this package and draw what it returns.
"""
