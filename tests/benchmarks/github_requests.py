"""Benchmark (not a test): GitHub requests per 1,000 activities, and wall time.

A fake repository of 1,000 issues and pull requests with about 4,000 comments is synced
from scratch through the real connector and PyGithub, then synced again with nothing
new. Run with `make bench` or `python tests/benchmarks/github_requests.py`.
Target: at most 15 requests per 1,000 activities, one-time profile look-ups excluded.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["NO_PROXY"] = "127.0.0.1,localhost"

from connectors.fake_apis import FakeServer
from connectors.fake_apis.community import build_community
from connectors.fake_apis.github import FakeGitHub
from connectors.fake_apis.github_data import GitHubData
from connectors.github import GitHubClient, GitHubConnector, GitHubSettings
from tests.conftest import community_end


def sync(url: str, state: dict) -> tuple[int, float]:
    client = GitHubClient(GitHubSettings(token="bench", base_url=url, seconds_between_requests=0))
    connector = GitHubConnector(client, repositories=["bench/big"], backfill_days=400)
    started, activities = time.perf_counter(), 0
    for batch in connector.sync(state):
        activities += len(batch.activities)
        if batch.state is not None:
            state[batch.key] = batch.state
    assert not connector.problems, connector.problems
    return activities, time.perf_counter() - started


def main() -> None:
    data = GitHubData(
        build_community(community_end(), people=400),
        org="bench",
        repos=(("big", 1000),),
        comments_per_issue=3.9,
    )
    repo = data.repos["bench/big"]
    comments = len(repo.issue_comments) + len(repo.review_comments)
    print(
        f"fake repository: {len(repo.issues)} issues and pull requests, {comments} comments "
        f"({len(repo.issue_comments)} on issues, {len(repo.review_comments)} in reviews), "
        f"{len(repo.reviews)} reviews, {len(repo.stars)} stars"
    )
    with FakeServer(FakeGitHub(data)) as server:
        state: dict = {}
        activities, seconds = sync(server.url, state)
        log = server.api.requests_to()
        profiles = sum(r.path.startswith("/users/") for r in log)
        by_endpoint = Counter(
            r.path.rsplit("/", 1)[-1] if not r.path.startswith("/users/") else "users/{login}"
            for r in log
        )
        rest = len(log) - profiles
        print(
            f"first sync:  {activities} activities, {len(log)} requests "
            f"({profiles} one-time profile look-ups), {seconds:.2f} s wall time"
        )
        print(f"  requests by endpoint: {dict(by_endpoint)}")
        print(
            f"  requests per 1,000 activities: {1000 * len(log) / activities:.1f} in all, "
            f"{1000 * rest / activities:.1f} excluding profile look-ups (target <= 15)"
        )
        server.api.reset_log()
        again, seconds = sync(server.url, state)
        print(
            f"second sync, nothing new: {again} activities, "
            f"{len(server.api.requests_to())} requests for 6 streams, {seconds:.2f} s"
        )
        server.api.reset_log()
        again, seconds = sync(server.url, state)
        statuses = Counter(r.status for r in server.api.requests_to())
        print(
            f"third sync, nothing new: {again} activities, "
            f"{len(server.api.requests_to())} requests ({dict(statuses)} by status; "
            "304s do not count against GitHub's rate limit)"
        )


if __name__ == "__main__":
    main()
