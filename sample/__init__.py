"""The bundled sample community and the local fake APIs that serve it, for the demo
(``acacia demo``) and the tests; not part of any sync. The community itself is
``community.py`` (people, organizations, hard cases) and ``<source>_data.py`` (what each
platform holds); ``<source>.py`` is the fake API that speaks that platform's real
protocol, and ``synthetic.py`` writes large communities straight into a landing zone for
the benchmarks. The demo and the tests run the real SDKs against the fakes: no internet,
no tokens.

Each API is a :class:`~sample.base.FakeAPI` subclass (routes, payloads,
protocol quirks); the base class gives every one of them a request log, rate-limit
bookkeeping and fault injection, and :class:`~sample.base.FakeServer`
serves any of them on 127.0.0.1.

A support package: the product (connectors, pipelines, dashboard) never imports it; the
demo command loads it by name. Its own dependency (werkzeug) is the ``sample`` extra.
May import anything.
"""

from sample.base import FakeAPI, FakeServer, Fault

__all__ = ["FakeAPI", "FakeServer", "Fault"]
