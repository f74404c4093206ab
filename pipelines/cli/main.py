"""The ``acacia`` command line: what a community team does by hand."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from connectors.core import clock
from connectors.core.config import CONFIG_ENV, ConfigError, load_config
from pipelines.cli import processes

app = typer.Typer(
    help="Acacia: community analytics for open-source teams.",
    no_args_is_help=True,
    add_completion=False,
)

#: The exit code of a sync that published, but where a source failed after its retries:
#: a cron job or systemd unit can tell it from a failed run (1) or a usage error (2).
SOURCE_FAILED = 3

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="acacia.yml (default: $ACACIA_CONFIG or ./acacia.yml)"),
]


@app.callback()
def main(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Pin the clock to this instant (ISO 8601, e.g. 2026-06-30 or "
            "2026-06-30T23:55:00Z): syncs, builds, updates and the dashboard act as if it "
            "were now. Default: $ACACIA_NOW, else the real time. See docs/clock.md.",
        ),
    ] = None,
) -> None:
    """Acacia: community analytics for open-source teams."""
    if now is not None:
        os.environ[clock.NOW_ENV] = now  # children (Dagster, dbt, Streamlit) inherit it
    try:
        clock.pinned()
    except clock.ClockError as error:
        _fail(str(error))


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _load(config: Path | None):
    try:
        return load_config(config or _demo_config())
    except ConfigError as error:
        _fail(str(error))


def _demo_config() -> Path | None:
    """The demo's configuration, when no other is named (no --config, no $ACACIA_CONFIG,
    no acacia.yml here) and `acacia demo` has written one: the commands a new user tries
    after the demo work on it without a flag. Said on stderr, so output stays clean."""
    from connectors.core.config import DEFAULT_CONFIG
    from pipelines.cli.demo import DEMO_DIR

    demo = DEMO_DIR / DEFAULT_CONFIG
    if os.environ.get(CONFIG_ENV) or Path(DEFAULT_CONFIG).exists() or not demo.exists():
        return None
    typer.secho(
        f"No {DEFAULT_CONFIG} here: using the demo's, {demo} (--config names another).",
        err=True,
        dim=True,
    )
    return demo


@app.command()
def check(config: ConfigOption = None) -> None:
    """Validate the configuration and every enabled source's credentials (no sync)."""
    from connectors.core.errors import SourceError
    from connectors.core.redact import redact
    from pipelines.sync.connect import SOURCES, secrets_for

    settings = _load(config)
    try:
        settings.check_sources()
        settings.check_secrets()
    except ConfigError as error:
        _fail(str(error))
    landing = settings.storage.landing_url
    typer.echo(
        f"{settings.path}: valid; data in {settings.storage.data_dir}"
        + (f", landing zone and sync state in {landing}" if landing else "")
    )
    failures = 0
    for source in settings.enabled_sources():
        try:
            line = SOURCES[source].check(
                getattr(settings.sources, source), secrets_for(settings, source)
            )
            typer.echo(f"{source}: {line}")
        except SourceError as error:
            failures += 1
            typer.secho(str(error), fg=typer.colors.RED, err=True)
        except Exception as error:  # a check must report every source, whatever fails
            failures += 1
            typer.secho(
                f"[{source}] the check failed unexpectedly ({type(error).__name__}: "
                f"{redact(str(error))}).",
                fg=typer.colors.RED,
                err=True,
            )
    if failures:
        raise typer.Exit(1)


@app.command()
def sync(
    config: ConfigOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source (e.g. github)")] = None,
) -> None:
    """Sync now: fetch what is new, rebuild the models, publish the snapshot."""
    settings = _load(config)
    if source and source not in settings.enabled_sources():
        _fail(
            f"{settings.path}: source {source!r} is not configured; enabled sources: "
            + ", ".join(settings.enabled_sources())
        )
    _run(settings.path, f"sync_{source}" if source else "nightly_sync")


def _run(config_path: Path, job: str) -> None:
    """Run a job; exit 1 when it failed (nothing new published), SOURCE_FAILED when it
    published but a source's sync failed after its retries."""
    from pipelines.orchestration.execute import run_job

    started = time.monotonic()
    try:
        result = run_job(config_path, job)
    except ConfigError as error:
        _fail(str(error))
    took = f"{time.monotonic() - started:.0f} s"
    if not result.success:
        _fail(
            f"{job} failed after {took}; what was fetched is landed and the next sync "
            "resumes from there. See the messages above."
        )
    failed = {
        check.asset_key.to_user_string().removesuffix("_landing"): check.description
        for check in result.get_asset_check_evaluations()
        if check.check_name == "synced" and not check.passed
    }
    if failed:
        typer.secho(
            f"{job} finished in {took} and published, but "
            f"{len(failed)} source(s) failed after their retries:\n"
            + "".join(f"  {source}: {why}\n" for source, why in sorted(failed.items()))
            + "The other sources' data is landed and published; fix the above and sync "
            "again (it resumes where it stopped).",
            fg=typer.colors.YELLOW,
            err=True,
        )
        raise typer.Exit(SOURCE_FAILED)
    typer.secho(f"{job} finished in {took}.", fg=typer.colors.GREEN)


@app.command()
def rejects(
    config: ConfigOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source (e.g. github)")] = None,
    show: Annotated[int, typer.Option(help="How many of the latest to print in full")] = 3,
) -> None:
    """Items a connector could not read and set aside (a sync never stops for one): how
    many by source, stream and reason, and the latest as the API sent them."""
    from pipelines.storage.landing import LandingZone

    settings = _load(config)
    zone = LandingZone(settings.storage.landing())
    sources = [source] if source else settings.enabled_sources()
    total = 0
    for name in sources:
        counts = zone.query(
            name,
            "rejects",
            "select scope, stream, reason, count(*), max(fetched_at) from landed "
            "group by all order by count(*) desc",
        )
        for scope, stream, reason, count, last in counts:
            total += count
            typer.echo(
                f"{name} {scope} {stream}: {count} set aside ({reason}); last {last:%Y-%m-%d}"
            )
        for scope, stream, reason, item in zone.query(
            name,
            "rejects",
            "select scope, stream, reason, item from landed order by fetched_at desc limit ?",
            [show],
        ):
            typer.echo(f"  {name} {scope} {stream} ({reason}): {item[:500]}")
    if not total:
        typer.echo("No item has been set aside: every item read so far was readable.")


@app.command()
def rebuild(config: ConfigOption = None) -> None:
    """Rebuild members and marts from what is landed, and publish (no API calls): after
    editing identities.yml, organizations.yml or the weights."""
    settings = _load(config)
    _run(settings.path, "rebuild")


def _snapshot_rows(settings, sql: str, params: list | None = None) -> list[tuple]:
    from pipelines.storage.snapshot import current_snapshot, open_snapshot

    snapshot = current_snapshot(settings.storage.serving())
    if snapshot is None:
        _fail("Nothing is published yet: run `acacia sync` first.")
    with open_snapshot(snapshot) as con:
        return con.execute(sql, params or []).fetchall()


@app.command()
def suggestions(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many to show")] = 20,
    automatic: Annotated[
        bool, typer.Option("--automatic", help="List the merges made without asking instead")
    ] = False,
) -> None:
    """List identity-merge suggestions waiting for a decision, most confident first (or,
    with --automatic, the merges made without asking, each with its evidence)."""
    settings = _load(config)
    decision = "automatic" if automatic else "review"
    rows = _snapshot_rows(
        settings,
        "select suggestion_id, name_a, identity_a, name_b, identity_b, evidence, score, "
        "count(*) over () from identity_suggestions where decision = ? "
        "order by score desc, suggestion_id limit ?",
        [decision, limit],
    )
    if not rows:
        typer.echo("No automatic merges." if automatic else "No suggestions waiting.")
        return
    what = "merged automatically" if automatic else "waiting for a decision"
    typer.echo(f"{rows[0][-1]} {what}, most confident first:")
    for sid, name_a, key_a, name_b, key_b, evidence, score, _ in rows:
        typer.echo(
            f"{sid}  {score:.0f}%  {name_a} ({key_a})  ~  {name_b} ({key_b})\n    {evidence}"
        )
    if automatic:
        typer.echo("Undo one with `acacia reject <id>`.")
    else:
        typer.echo("Accept with `acacia accept <id>`, reject with `acacia reject <id>`.")


def _suggestion(settings, suggestion_id: str) -> tuple[str, str]:
    rows = _snapshot_rows(
        settings,
        "select identity_a, identity_b from identity_suggestions where suggestion_id = ?",
        [suggestion_id],
    )
    if not rows:
        _fail(f"No suggestion {suggestion_id!r}; `acacia suggestions` lists them.")
    return rows[0]


AuthorOption = Annotated[
    str | None,
    typer.Option(help="Who decides (default: $ACACIA_AUTHOR, else your login name)"),
]
ApplyOption = Annotated[
    bool, typer.Option("--apply", help="Re-resolve the members and publish now")
]


def _author(author: str | None) -> str:
    import getpass

    return author or os.environ.get("ACACIA_AUTHOR") or getpass.getuser()


def _store(settings):
    from pipelines.storage.team_store import TeamStore, store_path

    return TeamStore(store_path(settings))


def _decided(settings, said: str, apply: bool, merged: str | None = None) -> None:
    """Say what was decided; with ``apply``, build and publish it and say it in the same
    line (with the member that ``merged``, an identity key, is now part of)."""
    if not apply:
        typer.echo(f"{said}. Run `acacia apply` to show it now (or it shows after the next sync).")
        return
    applied = _apply(settings)
    if merged:
        rows = _snapshot_rows(
            settings,
            "select m.display_name from identities as i join members as m using (member_id) "
            "where i.identity_key = ?",
            [merged],
        )
        if rows:
            said += f" into {rows[0][0]}"
    typer.echo(f"{said}; dashboard updated in {applied.seconds:.1f} s.")


@app.command()
def accept(
    suggestion_id: Annotated[str | None, typer.Argument(help="The suggestion to accept")] = None,
    above: Annotated[
        float | None,
        typer.Option(help="Accept every waiting suggestion at or above this confidence"),
    ] = None,
    config: ConfigOption = None,
    author: AuthorOption = None,
    apply: ApplyOption = False,
) -> None:
    """Accept a merge suggestion (or, with --above, every one at or above a confidence):
    the two accounts are one person. Recorded in the team's store with who and when."""
    settings = _load(config)
    if (suggestion_id is None) == (above is None):
        _fail("Name one suggestion, or give --above CONFIDENCE to accept many.")
    if above is not None:
        pairs = _snapshot_rows(
            settings,
            "select suggestion_id, identity_a, identity_b from identity_suggestions "
            "where decision = 'review' and score >= ? order by score desc, suggestion_id",
            [above],
        )
    else:
        pairs = [(suggestion_id, *_suggestion(settings, suggestion_id))]
    store, who = _store(settings), _author(author)
    for sid, a, b in pairs:
        store.decide("merge", a, b, author=who, suggestion_id=sid)
    if len(pairs) == 1:
        said, merged = f"Merged {pairs[0][1]} and {pairs[0][2]}", pairs[0][1]
    else:
        said, merged = f"Accepted {len(pairs)} merges", None
    _decided(settings, f"{said} (by {who})", apply, merged)


@app.command()
def reject(
    suggestion_id: str,
    config: ConfigOption = None,
    author: AuthorOption = None,
    apply: ApplyOption = False,
) -> None:
    """Reject a merge suggestion (or undo an automatic merge): the two accounts are
    different people, and are not proposed or merged again."""
    settings = _load(config)
    a, b = _suggestion(settings, suggestion_id)
    who = _author(author)
    _store(settings).decide("not_same", a, b, author=who, suggestion_id=suggestion_id)
    _decided(settings, f"Kept {a} and {b} apart as different people (by {who})", apply)


@app.command()
def unmerge(
    identity_key: str,
    config: ConfigOption = None,
    author: AuthorOption = None,
    apply: ApplyOption = False,
) -> None:
    """Split an account off its member: it keeps a member of its own and never merges by
    itself again (a later `acacia merge` joins it again)."""
    settings = _load(config)
    who = _author(author)
    _store(settings).decide("split", identity_key, author=who)
    _decided(settings, f"Split {identity_key} off into a member of its own (by {who})", apply)


@app.command()
def merge(
    identity_a: str,
    identity_b: str,
    config: ConfigOption = None,
    author: AuthorOption = None,
    apply: ApplyOption = False,
) -> None:
    """Merge two accounts (identity keys, `source:id`) into one member."""
    settings = _load(config)
    who = _author(author)
    _store(settings).decide("merge", identity_a, identity_b, author=who)
    _decided(settings, f"Merged {identity_a} and {identity_b} (by {who})", apply, identity_a)


@app.command()
def apply(config: ConfigOption = None) -> None:
    """Build what the team's decisions changed (identity resolution and the models
    after it, incrementally) and publish, without a sync or a Dagster run
    (pipelines/build/decisions.py). Two at once take turns, so the later sees every decision."""
    applied = _apply(_load(config))
    typer.echo(f"Decisions {applied.line()}.")


def _apply(settings):
    from pipelines.build.decisions import apply_decisions

    try:
        return apply_decisions(settings)
    except Exception as error:  # dbt's or DuckDB's, with what failed and where its log is
        _fail(
            f"Applying the decisions failed: {error}\nNothing new was published; the "
            "decisions are recorded and the next build applies them."
        )


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="Where to write the copy (a .sqlite file)")],
    config: ConfigOption = None,
) -> None:
    """Copy the team's own data (decisions, tags, notes, follow-ups) consistently, even
    while the dashboard writes to it."""
    settings = _load(config)
    typer.echo(f"Backed up the team's data to {_store(settings).backup(target)}.")


@app.command()
def forget(
    who: Annotated[str, typer.Argument(help="Member id, account (source:id) or email")],
    config: ConfigOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    account: Annotated[
        bool,
        typer.Option(
            "--account", help="Forget only this account (source:id), not its whole member"
        ),
    ] = False,
) -> None:
    """Forget a member everywhere (landing zone, warehouse, snapshots) and keep later
    syncs from bringing them back. It names every account it will erase and how each
    joined the member; a member that joins accounts merged automatically (on evidence,
    not an email or a decision) is erased only once someone confirms, --yes or not."""
    from pipelines.storage.forget import UnknownMember, find_member, forget_member, how_joined

    settings = _load(config)
    try:
        member_id, keys, _ = find_member(settings, who, account)
    except UnknownMember as error:
        _fail(f"Cannot forget {who!r}: {error}.")
    joined = how_joined(settings, keys)
    typer.echo(f"{'Account' if account else 'Member'} {member_id}: {len(keys)} account(s)")
    for key, how in joined.items():
        typer.echo(f"  {key}  ({how})")
    automatic = [key for key, how in joined.items() if how.startswith("merged automatically")]
    if automatic and not account:
        typer.echo(
            f"{len(automatic)} of these accounts were merged automatically on evidence, "
            "not on an email or a team decision: check they are one person. To erase "
            "one account only: acacia forget SOURCE:ID --account."
        )
        if yes and not sys.stdin.isatty():
            _fail(
                "Not forgetting without a confirmation: the member joins accounts merged "
                "automatically. Run it in a terminal to confirm, forget one account with "
                "--account, or split the accounts that are someone else first "
                "(acacia unmerge ACCOUNT --apply)."
            )
        yes = False
    if not yes:
        typer.confirm(
            f"Forget {'this account' if account else 'these accounts'} everywhere?",
            abort=True,
        )
    report = forget_member(settings, who, lambda: _run(settings.path, "rebuild"), account)
    typer.echo(report.summary())


@app.command()
def dashboard(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 for every network")
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard (reads the published snapshot only)."""
    settings = _load(config)
    serve_dashboard(settings.path, port, address)


def serve_dashboard(config_path: Path, port: int, address: str = "127.0.0.1") -> None:
    from dashboard.serve import command  # imports nothing heavy

    typer.secho(f"Dashboard: http://localhost:{port}  (Ctrl-C to stop)", fg=typer.colors.GREEN)
    env = {**os.environ, CONFIG_ENV: str(config_path)}
    processes.serve(command(port, address), env)


@app.command()
def directory(
    config: ConfigOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder to write to (default: <data_dir>/directory)")
    ] = None,
) -> None:
    """Export the partner directory (CSV, JSON, Markdown, HTML) from the published data."""
    from pipelines.delivery.directory import export

    settings = _load(config)
    try:
        files = export(settings, out)
    except RuntimeError as error:
        _fail(str(error))
    for path in files:
        typer.echo(str(path))


@app.command()
def report(
    event: Annotated[str, typer.Argument(help="The event's name (as on the Events page) or id")],
    config: ConfigOption = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="The event's date, YYYY-MM-DD, when two share its name"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder to write to (default: <data_dir>/reports)")
    ] = None,
    public: Annotated[
        bool | None,
        typer.Option(
            "--public/--private",
            help="Leave out names and quotes (default: as the dashboard, dashboard.public)",
        ),
    ] = None,
    post: Annotated[
        bool, typer.Option("--post", help="Post a summary to the monthly update's channel (once)")
    ] = False,
) -> None:
    """Write an event's report (Markdown and HTML) from the published data."""
    from datetime import date

    from pipelines.delivery import event_report

    settings = _load(config)
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        _fail(f"--date {on!r} is not a date: write it YYYY-MM-DD (2026-03-14).")
    try:
        made = event_report.report(settings, event, day, public=public)
        for path in event_report.write(settings, made, out):
            typer.echo(str(path))
        if post:
            status = event_report.post(settings, made)
            typer.echo(
                f"The report of {made.title} "
                + ("was posted." if status == "posted" else "was already posted.")
            )
    except event_report.ReportError as error:
        _fail(str(error))


@app.command()
def update(
    config: ConfigOption = None,
    month: Annotated[
        str | None, typer.Option(help="The month, YYYY-MM (default: last month)")
    ] = None,
    post: Annotated[bool, typer.Option("--post", help="Post it to Slack (once)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Block Kit blocks")] = False,
) -> None:
    """Preview the monthly Slack update (or post it with --post)."""
    import json

    from pipelines.delivery import monthly_update as updates

    settings = _load(config)
    try:
        chosen = updates.parse_month(month) if month else updates.last_month()
        if post:
            result = updates.post(settings, chosen)
            done = "posted" if result.status == "posted" else "was already posted"
            typer.echo(f"The {result.month} update {done} in {result.channel} (ts {result.ts}).")
            return
        message = updates.build(settings, chosen)
    except updates.UpdateError as error:
        _fail(str(error))
    typer.echo(json.dumps(message["blocks"], indent=1) if as_json else message["text"])


@app.command()
def alerts(
    config: ConfigOption = None,
    post: Annotated[bool, typer.Option("--post", help="Post them to Slack (each once)")] = False,
) -> None:
    """Preview the alerts not posted yet: first contributions, items waiting for a first
    response, members turning at risk, new organizations (or post them with --post)."""
    from pipelines.delivery import alerts as alerting

    settings = _load(config)
    try:
        if post:
            done = alerting.post(settings)
            count = len(done)
            typer.echo(
                f"Posted {count} message{'s' if count != 1 else ''} to "
                f"{settings.alerts.slack_channel}."
                if count
                else "Nothing new to alert."
            )
            return
        typer.echo(alerting.preview(settings))
    except alerting.AlertError as error:
        _fail(str(error))


@app.command()
def ui(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port of the web UI")] = 3000,
) -> None:
    """Open the Dagster UI (asset graph, runs, the nightly schedule running by itself)."""
    from pipelines.orchestration.execute import dagster_environment

    settings = _load(config)
    env = {**os.environ, **dagster_environment(settings)}
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "-m", "pipelines.orchestration.definitions", "-p", str(port)]
    processes.serve(command, env)


@app.command()
def demo(
    serve: Annotated[bool, typer.Option(help="Serve the dashboard afterwards")] = True,
    port: Annotated[int, typer.Option(help="Dashboard port")] = 8501,
    folder: Annotated[
        Path | None, typer.Option(help="Where the demo's workspace goes (default: data/demo)")
    ] = None,
) -> None:
    """Sync the bundled sample community from local fake APIs, then serve the dashboard.

    The sync is ``acacia sync``, a process of its own: this one, which stays up while
    the dashboard serves, holds only the fake APIs, so it stops in a moment when told to
    (a process that has run a build takes seconds just to tear down what it loaded)."""
    from pipelines.cli.demo import DEMO_DIR, start_fake_apis, write_demo_config

    with processes.stop_on_signals():
        servers = start_fake_apis()
        try:
            for name, server in servers.items():
                typer.echo(f"Fake {name} API with the sample community on {server.url}")
            config_path = write_demo_config(servers, folder or DEMO_DIR)
            sync = [sys.executable, "-m", "pipelines.cli.main", "sync", "--config"]
            code = processes.run([*sync, str(config_path)], dict(os.environ))
            if code:
                raise typer.Exit(code)
            if serve:
                typer.echo(
                    "The fake APIs stay up while the dashboard runs, so `acacia ui "
                    f"--config {config_path}` can sync them again."
                )
                serve_dashboard(config_path, port)
        except KeyboardInterrupt:
            typer.echo("Stopped.")
        finally:
            for server in servers.values():
                server.stop()


@app.command("fake-apis")
def fake_apis() -> None:
    """Serve the sample community's fake APIs until Ctrl-C (for trying things by hand)."""
    from pipelines.cli.demo import start_fake_apis

    with processes.stop_on_signals():
        servers = start_fake_apis()
        for name, server in servers.items():
            typer.echo(f"Fake {name} API on {server.url} (any token works).")
        typer.echo("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("Stopped.")
        finally:
            for server in servers.values():
                server.stop()


if __name__ == "__main__":
    app()
