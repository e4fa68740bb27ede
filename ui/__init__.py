"""Streamlit helpers shared by the pages: session state, cached loading, common widgets.

Only drawing and state live here; every computation is in risk/.
"""
