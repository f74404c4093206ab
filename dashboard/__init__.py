"""The Streamlit dashboard: thin pages over one cached data-access module (data.py)."""
