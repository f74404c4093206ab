"""The shared core every other package may import: the record contract
(:mod:`records`, :mod:`batch`), what a source declares (:mod:`source`) and the registry
of the declared sources (:mod:`registry`), the pinned clock (:mod:`clock`), redaction of
secrets (:mod:`redact`), escaping text for Streamlit, Plotly and Slack (:mod:`text`),
errors and retries (:mod:`errors`, :mod:`retry`), places (:mod:`places`), folders local
or in object storage (:mod:`folders`), acacia.yml (:mod:`config`) and the figures'
definitions (:mod:`figures`).

May import: only the core itself and third-party libraries. The registry finds the
sources by name at run time (it loads ``connectors.sources.<name>.source``), so the core
never imports a source.
"""
