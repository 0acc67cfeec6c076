"""The script Streamlit runs for ``trials serve`` (the repository's ``app.py`` is the same)."""

from trials.page import main

main()
