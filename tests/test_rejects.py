"""One bad item never stops a sync: each connector, fed a page with one item it cannot
read (a field the API documents as always there is missing), sets that item aside with
its reason and stream, lands the rest of the page, and goes on to every later stream."""

from __future__ import annotations

import json

import pytest

from tests import (
    test_discourse_connector as discourse,
)
from tests import (
    test_reddit_connector as reddit,
)
from tests import (
    test_slack_connector as slack,
)
from tests import (
    test_stackexchange_connector as stackexchange,
)

CASES = {
    # source: (module, fault path, list key, dropped field, the reject's stream)
    "slack": (slack, "conversations.history", "messages", "ts", "messages"),
    "discourse": (discourse, "/posts.json", "latest_posts", "id", "posts"),
    "reddit": (reddit, "/r/acacia/comments", "data.children", "data.permalink", "comments"),
    "stackexchange": (stackexchange, "/2.3/questions", "items", "creation_date", "questions"),
}


@pytest.mark.parametrize("source", sorted(CASES))
def test_one_unreadable_item_is_set_aside_and_the_rest_lands(source, request):
    module, path, key, drop, stream = CASES[source]
    server = request.getfixturevalue(f"fake_{source}")
    data = request.getfixturevalue(f"{source}_data")
    server.api.inject("broken_item", path=path, key=key, drop=drop, index=1)
    batches, connector = module.run(server, {})
    assert connector.problems == []
    assert server.api.faults == [], "the broken page was never served"
    rejects = [r for b in batches for r in b.rejects]
    assert [(r.stream, r.reason) for r in rejects] == [
        (stream, f"missing field {drop.rsplit('.', 1)[-1]!r}")
    ]
    item = rejects[0].item
    json.dumps(item)  # landed as it came: plain JSON
    # Only what the one item carried is missing; every other activity landed, in every
    # later stream.
    lost = 1 + int(item.get("reply_count") or 0) if source == "slack" else 1
    # (by id: the forum's topics stream reads a topic's creation again, for its title, so
    # a topic's first post is not lost)
    if source == "discourse" and item.get("post_number") == 1:
        lost = 0
    landed = {a.activity_id: a.type for b in batches for a in b.activities}
    assert len(landed) == sum(module.expected(data).values()) - lost
    assert set(landed.values()) == set(module.expected(data))
