"""Property-based tests of /api/v1 from its own served spec (schemathesis, in-process).

Every operation is called with generated requests, valid and invalid, through the app in
this test's transaction. Each response must not be a server error, must have a documented
status, content type and headers, and must match its documented schema; an invalid
request must be refused; an operation that declares bearer auth must refuse the same call
without a token or with a bad one (the ``ignored_auth`` check re-sends it that way).

Generated path parameters sometimes name seeded resources, so the 2xx paths run too.
Hypothesis is derandomized: the same cases run on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from folio import create_app
from folio.auth.tokens import issue_access_token
from folio.extensions import db
from folio.models import User
from tests.api.conftest import Account
from tests.factories import ArticleFactory, CommentFactory

MAX_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    unsupported_method,
]
CASES: dict[str, dict[str, int]] = {}


# Path parameters a generated request may name, filled in by the ``seeded`` fixture of the
# running test (the strategy reads them when it draws).
KNOWN: dict[str, list[Any]] = {}


def _spec() -> dict[str, Any]:
    # The served document of an app that never touches its database.
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return dict(app.test_client().get("/api/v1/openapi.json").get_json())


# Invalid requests must be refused with one of the documented client errors (a body over
# the size limit is refused with 413 before it is even parsed).
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 409, 412, 413, 415, 422]
            }
        }
    }
)
schema = schemathesis.openapi.from_dict(_spec(), config=CONFIG)


@schema.hook
def before_generate_path_parameters(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[dict[str, Any] | None]
) -> st.SearchStrategy[dict[str, Any] | None]:
    def known(values: Any, pick: int) -> Any:
        # Only plain (valid) parameters; invalid ones come wrapped and stay as drawn.
        if not isinstance(values, dict) or not values:
            return values
        out = dict(values)
        for name in values:
            choices = KNOWN.get(name)
            if choices:
                out[name] = choices[pick % len(choices)]
        return out

    return st.one_of(strategy, st.tuples(strategy, st.integers(0, 3)).map(lambda v: known(*v)))


@pytest.fixture
def seeded(in_app: Callable[..., Any], alice: Account, bob: Account) -> Iterator[None]:
    """Resources generated requests may name: alice's published article and draft, a
    comment by bob under it, and both profiles."""

    def seed() -> dict[str, list[Any]]:
        author = db.session.get(User, alice.id)
        commenter = db.session.get(User, bob.id)
        published = ArticleFactory(author=author, tags=["python", "flask"])
        draft = ArticleFactory(author=author, draft=True)
        comment = CommentFactory(article=published, author=commenter)
        hook = _seed_webhook(author)
        return {
            "slug": [published.slug, draft.slug],
            "username": ["alice", "bob"],
            "comment_id": [comment.id],
            "endpoint_id": [hook.endpoint_id],
            "delivery_id": [hook.id],
        }

    KNOWN.update(in_app(seed))
    yield
    KNOWN.clear()


def _seed_webhook(author: User) -> Any:
    """Alice's webhook with one delivery (to an address the guard refuses: nothing leaves)."""
    from folio.webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint(
        owner_id=author.id,
        url="https://example.invalid/hook",
        events=["article.published"],
        secret="whsec_c2NoZW1hdGhlc2lzLXNlZWQtc2VjcmV0LTAwMDAwMA==",
        scope="own",
        description="",
    )
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event_id="evt-seed", event_type="ping", payload="{}"
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


@pytest.fixture
def fresh_token(in_app: Callable[..., Any], alice: Account) -> Callable[[], str]:
    def make() -> str:
        return str(in_app(lambda: issue_access_token(db.session.get(User, alice.id))))

    return make


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@pytest.mark.usefixtures("seeded")
def test_api_conforms_to_its_spec(
    case: schemathesis.Case, app: Flask, alice: Account, fresh_token: Callable[[], str]
) -> None:
    # Signing out revokes the token it is sent with: give it one of its own.
    signing_out = case.method == "DELETE" and case.path.endswith("/auth/tokens")
    token = fresh_token() if signing_out else alice.token
    label = case.operation.label
    # Calls, and the checks' probes, go in-process to this test's app.
    case.operation.schema.app = app
    # A negative case that drops the Authorization header must go out without it: adding
    # the token would make it a valid request, which the check then calls accepted.
    headers = {} if _negates_authorization(case) else {"Authorization": f"Bearer {token}"}
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    counts = CASES.setdefault(label, {})
    kind = f"{response.status_code // 100}xx"
    counts[kind] = counts.get(kind, 0) + 1


def _negates_authorization(case: schemathesis.Case) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    named = [data.parameter, *(getattr(m, "parameter", None) for m in data.mutations)]
    described = [data.description or "", *(str(m) for m in data.mutations)]
    return any(str(name).lower() == "authorization" for name in named if name) or any(
        "authorization" in text.lower() for text in described
    )


def teardown_module() -> None:
    # The number of generated cases, by operation and status class (`pytest -s` shows it).
    if CASES:
        total = sum(sum(counts.values()) for counts in CASES.values())
        print(f"\nschemathesis: {total} cases over {len(CASES)} operations")  # noqa: T201
        for label, counts in sorted(CASES.items()):
            detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()))
            print(f"  {sum(counts.values()):4d}  {label}  ({detail})")  # noqa: T201
