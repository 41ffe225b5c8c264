"""``flask --app folio ...`` commands: seed-db, create-user."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from folio.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_db)
    app.cli.add_command(create_user)


@click.command("seed-db")
@click.option("--users", default=20, show_default=True, type=click.IntRange(1))
@click.option("--articles", default=100, show_default=True, type=click.IntRange(0))
@click.option("--seed", "seed_value", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_db(users: int, articles: int, seed_value: int, if_empty: bool) -> None:
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
    session = db.session()
    if if_empty and session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has content; leaving it as it is.")
        return
    report = seed(
        session, users=users, articles=articles, seed_value=seed_value, progress=click.echo
    )
    session.commit()
    click.echo(
        f"Seeded {report.users} users, {report.articles} articles, {report.comments} comments, "
        f"{report.favorites} favorites, {report.follows} follows."
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
    from folio.models import Role
    from folio.services import accounts
    from folio.services.errors import DomainError

    try:
        user = accounts.register(
            db.session(),
            username=username,
            email=email,
            password=password,
            role=Role.ADMIN if admin else Role.AUTHOR,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")
