"""The dashboard's entry point: what ``acacia dashboard`` serves (dashboard/serve.py).

The navigation, the password gate and the sidebar's filters run here, once a run, then
the chosen page (dashboard/page.py ``main``; the pages are Overview.py and views/).
"""

from dashboard import page

# Streamlit runs this file as the main script. Loaded any other way (a process spawned
# by multiprocessing re-loads its parent's main script as ``__mp_main__``), it does
# nothing.
if __name__ == "__main__":
    page.main()
