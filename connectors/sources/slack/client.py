"""slack_sdk's WebClient, set up to retry what Slack asks to be retried.

The default client only retries connection errors. We add the rate-limit handler (429
with ``Retry-After``), bounded by ``max_rate_limit_wait`` so that a long ban stops the
sync cleanly instead of hanging it, and a handler for every 5xx (slack_sdk's own covers
500 and 503 only).
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from connectors.core.source import ApiSourceSettings


@dataclass(frozen=True)
class SlackSettings:
    """How to reach Slack and how patient to be with it."""

    token: str
    base_url: str = "https://slack.com/api/"
    timeout: float = ApiSourceSettings.default("request_timeout_seconds")
    retries: int = ApiSourceSettings.default("request_retries")
    max_rate_limit_wait: float = ApiSourceSettings.default("max_rate_limit_wait")
    backoff: float = ApiSourceSettings.default("retry_backoff_seconds")


class _BoundedRateLimitHandler(RateLimitErrorRetryHandler):
    """Retry a 429 after its Retry-After, unless that is longer than we will wait."""

    def __init__(self, max_retry_count: int, max_wait: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        wait = headers.get("retry-after", ["1"])
        wait = wait[0] if isinstance(wait, list) else wait
        return float(wait) <= self.max_wait


class _BackoffCalculator(RetryIntervalCalculator):
    def __init__(self, factor: float) -> None:
        self.factor = factor

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return self.factor * (2**current_attempt)


class _ServerErrorHandler(RetryHandler):
    """Retry any 5xx with exponential backoff."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def make_client(settings: SlackSettings) -> WebClient:
    """A WebClient for ``settings`` with rate-limit, 5xx and connection retries."""
    base_url = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    calculator = _BackoffCalculator(settings.backoff)
    return WebClient(
        token=settings.token,
        base_url=base_url,
        timeout=settings.timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(
                max_retry_count=settings.retries, interval_calculator=calculator
            ),
            _BoundedRateLimitHandler(settings.retries, settings.max_rate_limit_wait),
            _ServerErrorHandler(max_retry_count=settings.retries, interval_calculator=calculator),
        ],
    )
