"""Benchmark (not a test): splink's probabilistic linkage against Acacia's rules, on the
same accounts and the same truth (issue 37 asked to measure it before extending the
rules by hand).

Syncs the demo's sample community as tests/benchmarks/identity_quality.py does (or
reads an existing workspace: ``--workspace FOLDER``), then links its accounts with
splink (Fellegi-Sunter on DuckDB: forename and surname with term-frequency
adjustments, username with term-frequency adjustments, email, company domain, city;
u estimated by random sampling, m by expectation maximisation, clusters at a match
probability of 0.95, as Acacia merges at 95) and prints pairwise precision and recall
beside Acacia's, overall and for the people who share a name.

splink is not one of Acacia's dependencies: ``pip install -e '.[compare]'`` first.
Run with ``python -m tests.benchmarks.identity_splink``.
"""

from __future__ import annotations

import argparse
import logging
import pickle
import tempfile
import time
from pathlib import Path

import duckdb

from connectors.core.config import load_config
from pipelines.identity.organizations import PUBLIC_MAIL
from pipelines.identity.quality import measure, namesake_quality, pairwise
from pipelines.identity.suggestions import normalize_name

THRESHOLD = 0.95


def accounts(config) -> list[dict]:
    """One record per account that is a person (bots left out), as splink compares
    them: names split and folded, the handle folded, email, company domain, city."""
    with duckdb.connect(str(config.storage.warehouse()), read_only=True) as con:
        rows = con.execute("""
            select source || ':' || source_user_id, username, display_name, email,
                   location, timezone
            from staging.stg_landing__identities where not coalesce(is_bot, false)""").fetchall()
    records = []
    for key, username, name, email, location, timezone in rows:
        tokens = normalize_name(name).split()
        domain = email.lower().split("@")[-1] if email and "@" in email else None
        place = location.split(",")[0] if location else None
        if not place and timezone and "/" in timezone:
            place = timezone.rsplit("/", 1)[-1].replace("_", " ")
        records.append(
            {
                "unique_id": key,
                "first_name": tokens[0] if len(tokens) >= 2 else None,
                "surname": tokens[-1] if len(tokens) >= 2 else None,
                "username": "".join(c for c in (username or "").lower() if c.isalnum()) or None,
                "email": email.lower() if email else None,
                "company_domain": domain if domain and domain not in PUBLIC_MAIL else None,
                "city": normalize_name(place) or None,
            }
        )
    return records


def link(records: list[dict], threshold: float = THRESHOLD) -> dict[str, str]:
    """identity key -> splink's cluster id, clustered at match probability
    ``threshold``."""
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    api = DuckDBAPI()
    table = api.register(pa.Table.from_pylist(records))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "surname"),
            cl.ExactMatch("username").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("company_domain"),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname"),
            block_on("username"),
            block_on("email"),
            block_on("first_name", "city"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("username")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("username"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    return {
        row["unique_id"]: str(row["cluster_id"]) for row in clusters.as_pyarrow_table().to_pylist()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, help="an acacia.yml already synced")
    parser.add_argument("--truth", type=Path, help="a pickle of (truth, names) for it")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.workspace:
            config = load_config(args.workspace)
            *_, truth, names = pickle.loads(args.truth.read_bytes())
        else:
            from pipelines.cli.demo import start_fake_apis, write_demo_config
            from pipelines.orchestration.execute import run_job
            from sample.truth import true_people

            servers = start_fake_apis()
            try:
                path = write_demo_config(servers, Path(folder) / "demo")
                run_job(path, "nightly_sync", ephemeral=True)
                community = next(iter(servers.values())).api.data.community
                data = {name: server.api.data for name, server in servers.items()}
                truth = true_people(community, {**data, "events": None})
                names = {person.key: person.name for person in community.people}
                config = load_config(path)
            finally:
                for server in servers.values():
                    server.stop()
        ours = measure(config, truth, names)
        started = time.perf_counter()
        clusters = link(accounts(config), args.threshold)
        took = time.perf_counter() - started
        print(f"Acacia's rules:   {ours.automatic}")
        print(f"  namesakes only: {ours.namesakes}")
        print(f"splink at {args.threshold}: {pairwise(clusters, truth)}  ({took:.1f} s)")
        namesakes, joined = namesake_quality(clusters, truth, names)
        print(f"  namesakes only: {namesakes}")
        print(f"  clusters joining two people who share a name: {joined}")
        platforms = sum(
            1
            for cluster in set(clusters.values())
            if len([k for k, c in clusters.items() if c == cluster])
            > len({k.split(":")[0] for k, c in clusters.items() if c == cluster})
        )
        print(f"  clusters with two accounts of one platform: {platforms}")


if __name__ == "__main__":
    main()
