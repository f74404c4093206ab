"""What identity resolution writes for the models: one Parquet file per table, each with
the schema here. The models read these columns (the build hands them to dbt as the
setting ``resolution_columns``, pipelines/build/settings.py), so this is the one
definition of the contract between identity resolution and the models."""

from __future__ import annotations

import pyarrow as pa

from pipelines.identity import scope

_S, _B, _D, _F, _I = pa.string(), pa.bool_(), pa.date32(), pa.float64(), pa.int64()
SCHEMAS = {
    "identity_members": pa.schema(
        [
            ("identity_key", _S),
            ("source", _S),
            ("source_user_id", _S),
            ("member_id", _S),
            ("rule", _S),
            ("is_bot", _B),
            ("is_staff", _B),
            # What decides the attribution of the account's activities (its member, bot
            # flag, the member's staff flag and affiliations), as a hash; and the batch
            # of the build that last changed it, for the incremental models.
            ("attribution", _S),
            ("changed_batch", _I),
            # What resolution read of the account (a hash) and its influence component
            # (pipelines/identity/scope.py), for the next build's incremental resolution.
            ("input_print", _S),
            ("component", _S),
        ]
    ),
    "identity_suggestions": pa.schema(
        [
            ("suggestion_id", _S),
            ("identity_a", _S),
            ("identity_b", _S),
            ("member_a", _S),
            ("member_b", _S),
            ("rule", _S),
            ("evidence", _S),
            ("score", _F),
            ("decision", _S),
        ]
    ),
    "member_organizations": pa.schema(
        [
            ("member_id", _S),
            ("organization", _S),
            ("rule", _S),
            ("evidence", _S),
            ("valid_from", _D),
            ("valid_to", _D),
        ]
    ),
    "organizations": pa.schema(
        [
            ("organization", _S),
            ("domains", _S),
            ("github_orgs", _S),
            ("aliases", _S),
            ("website", _S),
            ("is_staff", _B),
        ]
    ),
    "organization_suggestions": pa.schema([("domain", _S), ("members", _I)]),
    # Accounts that moved to another member, one file per build (moves/<batch>.parquet):
    # the incremental models recount the member they left.
    "moves": pa.schema(
        [("identity_key", _S), ("old_member_id", _S), ("member_id", _S), ("batch", _I)]
    ),
    # What each account can be matched by, for the next build's incremental resolution
    # (pipelines/identity/scope.py).
    scope.INPUTS: pa.schema([("key", _S), ("kind", _S), ("value", _S)]),
    # The tags the team set by hand (pipelines/storage/team_store.py), for the member_tags mart.
    "team_tags": pa.schema(
        [("identity_key", _S), ("tag", _S), ("author", _S), ("tagged_at", pa.timestamp("s", "UTC"))]
    ),
    # Every follow-up the team marked, in order (the store keeps their history), for the
    # reactivation measured in the lapses mart.
    "team_follow_ups": pa.schema(
        [("identity_key", _S), ("status", _S), ("author", _S), ("set_at", pa.timestamp("s", "UTC"))]
    ),
}
