"""The dashboard's entry point: what ``acacia dashboard`` serves (dashboard/serve.py).

The navigation, the password gate and the sidebar's filters run here, once a run, then
the chosen page (dashboard/page.py ``main``; the pages are Overview.py and views/).
"""

from dashboard import page

page.main()
