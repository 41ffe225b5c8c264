"""``flask --app folio ...`` commands: seed-db, create-user, publish, media create-bucket.

Each runs its writes as one unit of work, so a command has the effects a request has
(emails, cache invalidation, and whatever else subscribes to the events it records).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from folio.core.events import ContentChanged
from folio.core.uow import unit_of_work
from folio.exports.commands import export_commands
from folio.federation.commands import federation_commands


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_db)
    app.cli.add_command(create_user)
    app.cli.add_command(publish)
    app.cli.add_command(publish_due)
    app.cli.add_command(media_commands)
    from folio.webhooks.cli import webhook_commands

    app.cli.add_command(webhook_commands)
    app.cli.add_command(export_commands)
    from folio.imports.commands import import_command

    app.cli.add_command(import_command)
    from folio.stats.commands import stats_commands

    app.cli.add_command(stats_commands)
    from folio.newsletter.cli import newsletter_commands

    app.cli.add_command(newsletter_commands)
    app.cli.add_command(federation_commands)


@click.command("seed-db")
@click.option("--users", default=20, show_default=True, type=click.IntRange(1))
@click.option("--articles", default=100, show_default=True, type=click.IntRange(0))
@click.option("--seed", "seed_value", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--covers", default=12, show_default=True, type=click.IntRange(0))
@with_appcontext
def seed_db(users: int, articles: int, seed_value: int, if_empty: bool, covers: int) -> None:
    """Fill the database with demo content (users, articles, comments, follows)."""
    from flask import current_app
    from sqlalchemy import func, select

    from folio.models import User
    from folio.seed import DEMO_EMAIL, DEMO_PASSWORD, seed

    if current_app.config["FOLIO_ENV"] == "production":
        # Demo content includes an admin with a published password.
        raise click.ClickException(
            f"seed-db is refused in production: it creates the admin {DEMO_EMAIL} with the"
            " published demo password. Use create-user for real accounts."
        )
    with unit_of_work() as uow:
        session = uow.session
        if if_empty and session.scalar(select(func.count()).select_from(User)):
            click.echo("The database already has content; leaving it as it is.")
            return
        report = seed(
            session, users=users, articles=articles, seed_value=seed_value, progress=click.echo
        )
        uow.record(ContentChanged())
    from folio.media.demo import add_demo_covers

    covered = add_demo_covers(covers, seed_value, progress=click.echo)
    click.echo(
        f"Seeded {report.users} users, {report.articles} articles ({covered} with a cover), "
        f"{report.comments} comments, {report.favorites} favorites, {report.follows} follows."
    )
    if session.scalar(select(User).where(User.email == DEMO_EMAIL)) is not None:
        click.echo(f"Sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD} (an admin).")


@click.command("create-user")
@click.argument("email")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
@click.password_option(prompt="Password", help="Prompted for when not given.")
@with_appcontext
def create_user(email: str, username: str, admin: bool, password: str) -> None:
    """Create an account (prompts for the password)."""
    from folio.accounts import rules as accounts
    from folio.core.errors import DomainError
    from folio.models import Role

    try:
        with unit_of_work() as uow:
            user = accounts.register(
                uow.session,
                username=username,
                email=email,
                password=password,
                role=Role.ADMIN if admin else Role.AUTHOR,
            )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")


@click.command("publish")
@click.argument("slug")
@click.option("--as", "username", help="Publish as this user (default: the article's author).")
@with_appcontext
def publish(slug: str, username: str | None) -> None:
    """Publish a draft, with every effect publishing from the editor has."""
    from folio.accounts import rules as accounts
    from folio.articles import queries as article_queries
    from folio.articles import rules as articles
    from folio.core.errors import DomainError

    try:
        with unit_of_work() as uow:
            article = article_queries.find_article(uow.session, slug)
            actor = accounts.get_profile(uow.session, username) if username else article.author
            articles.publish_article(uow.session, actor, article)
    except DomainError as error:
        raise click.ClickException(f"{slug}: {error.message}") from error
    click.echo(f"Published {article.slug}.")


@click.command("publish-due")
@with_appcontext
def publish_due() -> None:
    """Publish every scheduled article whose moment has come (safe to run concurrently)."""
    from folio.articles import scheduling
    from folio.extensions import db

    published = scheduling.publish_due(db.session())
    for slug in published:
        click.echo(f"Published {slug}.")
    click.echo(f"{len(published)} scheduled article(s) published.")


@click.group("media")
def media_commands() -> None:
    """Where uploaded images are stored."""


@media_commands.command("create-bucket")
@with_appcontext
def create_bucket() -> None:
    """Create the S3 bucket MEDIA_STORAGE='s3' stores images in, unless it exists."""
    from flask import current_app

    from folio.media.storage import S3Storage, StorageError
    from folio.media.uploads import storage

    target = storage()
    if not isinstance(target, S3Storage):
        # Saying "done" here would let a deploy script believe images go to a bucket.
        raise click.ClickException(
            f"MEDIA_STORAGE is {current_app.config['MEDIA_STORAGE']!r}: images are files on"
            " this machine's disk, so there is no bucket to create. Set MEDIA_STORAGE=s3 and"
            " S3_BUCKET (FLASK_MEDIA_STORAGE, FLASK_S3_BUCKET) first."
        )
    where = target.client.meta.endpoint_url
    try:
        created = target.ensure_bucket()
    except StorageError as error:
        raise click.ClickException(f"could not create the bucket: {error}") from error
    if created:
        click.echo(f"Created the bucket {target.bucket} at {where}.")
    else:
        click.echo(f"The bucket {target.bucket} already exists at {where}; nothing to do.")
