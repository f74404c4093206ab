"""Local fake APIs that speak each platform's real protocol, serving the bundled sample
community. The demo and the tests run the real SDKs against them: no internet, no tokens.

Each API is a :class:`~connectors.fake_apis.base.FakeAPI` subclass (routes, payloads,
protocol quirks); the base class gives every one of them a request log, rate-limit
bookkeeping and fault injection, and :class:`~connectors.fake_apis.base.FakeServer`
serves any of them on 127.0.0.1.
"""

from connectors.fake_apis.base import FakeAPI, FakeServer, Fault

__all__ = ["FakeAPI", "FakeServer", "Fault"]
