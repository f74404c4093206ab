"""Alerts: a failing sync reported to a Slack channel, when one is configured.

An alert never breaks the run it reports on: if Slack cannot be reached, the problem is
logged and the run goes on (the failure is still in the Dagster UI and on the
dashboard).
"""

from __future__ import annotations

import logging
import os

from pipelines.config import AcaciaConfig

log = logging.getLogger(__name__)


def alert(config: AcaciaConfig, text: str) -> bool:
    """Post ``text`` to the alerts channel; True when it was posted."""
    settings = config.alerts
    if not settings.slack_channel:
        return False
    token = os.environ.get(settings.token_env, "").strip()
    if not token:
        log.warning(
            "alerts.slack_channel is set but %s is not: the alert was not posted",
            settings.token_env,
        )
        return False
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    try:
        WebClient(token=token, base_url=settings.base_url, timeout=20).chat_postMessage(
            channel=settings.slack_channel, text=text, unfurl_links=False
        )
    except (SlackApiError, OSError) as error:
        code = getattr(error, "response", None)
        log.warning(
            "the alert to %s was not posted: %s",
            settings.slack_channel,
            code.get("error") if code is not None else type(error).__name__,
        )
        return False
    return True


def sync_failed(config: AcaciaConfig, source: str, problem: str, retries: int) -> bool:
    return alert(
        config,
        f":warning: {config.community_name}: the {source} sync failed after {retries} "
        f"retries: {problem}\nThe other sources were synced and the dashboard updated; "
        f"{source}'s data is as of its last good sync.",
    )
