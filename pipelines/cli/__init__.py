"""The ``acacia`` command line (:mod:`main`), the demo (:mod:`demo`, which loads the sample
community by name) and stopping served children cleanly (:mod:`processes`).

May import: everything below it (pipelines, dashboard's serving, connectors); never the
sample package directly.
"""
