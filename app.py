"""The finder's page, for `streamlit run app.py` and hosting services that run a root app.py.

The page itself is the package's (``trials/page/``); ``trials serve`` runs the same page
from any folder, with the settings in trials/page/config.toml (.streamlit/config.toml here).
"""

from trials.page import main

main()
