"""Account rules: registration, sign-in, profile and password changes, deactivation."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from folio.accounts import rules as accounts
from folio.core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from folio.models import Role
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory

GOOD_PASSWORD = "a-long-and-unusual-passphrase"


def register(session: Session, **fields: str | None) -> object:
    data: dict[str, str | None] = {
        "username": "ada",
        "email": "Ada@Example.com",
        "password": GOOD_PASSWORD,
    }
    data.update(fields)
    return accounts.register(session, **data)  # type: ignore[arg-type]


def test_register_normalises_the_email_and_hashes_the_password(session: Session) -> None:
    user = accounts.register(
        session, username="ada", email=" Ada@Example.COM ", password=GOOD_PASSWORD
    )
    assert user.email == "ada@example.com"
    assert user.username == "ada"
    assert user.role == "author"
    assert GOOD_PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:", "$argon2"))


@pytest.mark.parametrize(
    ("username", "ok"),
    [
        ("abc", True),
        ("a" * 30, True),
        ("with_under-score9", True),
        ("ab", False),
        ("a" * 31, False),
        ("has space", False),
        ("dot.name", False),
        ("émile", False),
        ("", False),
    ],
)
def test_username_rules(session: Session, username: str, ok: bool) -> None:
    if ok:
        assert register(session, username=username)
    else:
        with pytest.raises(ValidationFailed) as caught:
            register(session, username=username)
        assert "username" in caught.value.errors


@pytest.mark.parametrize("email", ["", "not-an-email", "a@", "@b.com", "a b@c.com"])
def test_invalid_email_is_refused(session: Session, email: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        register(session, email=email)
    assert "email" in caught.value.errors


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "can't be blank"),
        ("short", "too short"),
        ("x" * 257, "too long"),
        ("password123", "too common"),
        ("Qwerty123", "too common"),
    ],
)
def test_password_rules(session: Session, password: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        register(session, password=password)
    assert message in caught.value.errors["password"][0]


def test_password_is_checked_as_typed_with_spaces_and_at_the_limits(session: Session) -> None:
    # Eight characters including spaces is enough; 256 is the longest allowed.
    assert register(session, username="spaces", email="s@x.org", password="  ab  cd")
    user = register(session, username="longest", email="l@x.org", password="y" * 256)
    assert accounts.verify_password(user, "y" * 256)  # type: ignore[arg-type]
    assert not accounts.verify_password(user, "y" * 255)  # type: ignore[arg-type]


def test_common_password_list_can_be_relaxed_for_a_face(session: Session) -> None:
    user = accounts.register(
        session,
        username="rwuser",
        email="rw@example.com",
        password="password123",
        refuse_common_passwords=False,
    )
    assert accounts.verify_password(user, "password123")


def test_every_bad_field_is_named_at_once(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        accounts.register(session, username="", email="nope", password="x")
    assert set(caught.value.errors) == {"username", "email", "password"}


def test_username_is_unique_regardless_of_case_and_email_is_unique(session: Session) -> None:
    register(session)
    with pytest.raises(Conflict) as caught:
        register(session, username="ADA", email="other@example.com")
    assert caught.value.errors == {"username": ["has already been taken"]}
    with pytest.raises(Conflict) as caught:
        register(session, username="other", email="ADA@example.com")
    assert caught.value.errors == {"email": ["has already been taken"]}


def test_authenticate_with_any_case_of_email(session: Session) -> None:
    user = UserFactory(email="grace@example.com")
    assert accounts.authenticate(session, email="Grace@Example.com", password=TEST_PASSWORD) == user


@pytest.mark.parametrize(
    ("email", "password"),
    [("grace@example.com", "wrong-password"), ("nobody@example.com", TEST_PASSWORD)],
)
def test_authenticate_refuses_with_one_vague_message(
    session: Session, email: str, password: str
) -> None:
    UserFactory(email="grace@example.com")
    with pytest.raises(Unauthorized) as caught:
        accounts.authenticate(session, email=email, password=password)
    assert caught.value.errors == {"credentials": ["invalid"]}


def test_authenticate_names_blank_fields(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        accounts.authenticate(session, email=" ", password="")
    assert set(caught.value.errors) == {"email", "password"}


def test_deactivated_user_cannot_sign_in_and_is_signed_out(session: Session) -> None:
    user = UserFactory()
    version = user.session_version
    accounts.deactivate(session, user, user)
    assert user.session_version == version + 1
    with pytest.raises(Unauthorized):
        accounts.authenticate(session, email=user.email, password=TEST_PASSWORD)
    with pytest.raises(NotFound):
        accounts.get_profile(session, user.username)


def test_only_the_owner_or_an_admin_may_deactivate(session: Session) -> None:
    target, stranger, admin = UserFactory(), UserFactory(), UserFactory(admin=True)
    with pytest.raises(Forbidden):
        accounts.deactivate(session, stranger, target)
    accounts.deactivate(session, admin, target)
    assert not target.is_active
    accounts.reactivate(session, admin, target)
    assert target.is_active


def test_only_admins_change_roles(session: Session) -> None:
    user, admin = UserFactory(), UserFactory(admin=True)
    with pytest.raises(Forbidden):
        accounts.set_role(session, user, user, Role.ADMIN)
    accounts.set_role(session, admin, user, Role.ADMIN)
    assert user.is_admin


def test_update_profile_clears_optional_fields_and_keeps_the_rest(session: Session) -> None:
    user = UserFactory(bio="Old bio", image_url="https://example.com/a.png")
    accounts.update_profile(session, user, {"bio": "", "image_url": None})
    assert user.bio is None
    assert user.image_url is None
    assert user.username.startswith("user")


def test_update_profile_refuses_non_http_images(session: Session) -> None:
    user = UserFactory()
    with pytest.raises(ValidationFailed) as caught:
        accounts.update_profile(session, user, {"image_url": "javascript:alert(1)"})
    assert "image_url" in caught.value.errors


def test_email_change_needs_the_current_password(session: Session) -> None:
    user = UserFactory()
    with pytest.raises(ValidationFailed) as caught:
        accounts.update_profile(session, user, {"email": "new@example.com"})
    assert caught.value.errors == {"current_password": ["can't be blank"]}
    with pytest.raises(ValidationFailed) as caught:
        accounts.update_profile(
            session, user, {"email": "new@example.com"}, current_password="wrong"
        )
    assert caught.value.errors == {"current_password": ["is incorrect"]}
    accounts.update_profile(
        session, user, {"email": "New@Example.com"}, current_password=TEST_PASSWORD
    )
    assert user.email == "new@example.com"


def test_profile_changes_conflict_with_other_accounts(session: Session) -> None:
    UserFactory(username="taken", email="taken@example.com")
    user = UserFactory()
    with pytest.raises(Conflict) as caught:
        accounts.update_profile(session, user, {"username": "TAKEN"})
    assert "username" in caught.value.errors


def test_change_password_needs_the_current_one_and_ends_other_sessions(session: Session) -> None:
    user = UserFactory()
    version = user.session_version
    with pytest.raises(ValidationFailed):
        accounts.change_password(
            session, user, current_password="wrong", new_password=GOOD_PASSWORD
        )
    accounts.change_password(
        session, user, current_password=TEST_PASSWORD, new_password=GOOD_PASSWORD
    )
    assert accounts.verify_password(user, GOOD_PASSWORD)
    assert user.session_version == version + 1


def test_sign_out_everywhere_moves_the_session_version(session: Session) -> None:
    user = UserFactory()
    version = user.session_version
    accounts.sign_out_everywhere(session, user)
    assert user.session_version == version + 1


def test_reset_token_is_single_use_and_dies_with_a_password_change(session: Session) -> None:
    user = UserFactory()
    secret = "x" * 40
    token = accounts.make_password_reset_token(user, secret)
    assert accounts.user_for_reset_token(session, token, secret, 3600) == user
    accounts.reset_password(session, token, GOOD_PASSWORD, secret_key=secret, max_age=3600)
    assert accounts.verify_password(user, GOOD_PASSWORD)
    with pytest.raises(ValidationFailed):
        accounts.user_for_reset_token(session, token, secret, 3600)


def test_reset_token_signed_with_another_key_is_refused(session: Session) -> None:
    user = UserFactory()
    token = accounts.make_password_reset_token(user, "a" * 40)
    with pytest.raises(ValidationFailed):
        accounts.user_for_reset_token(session, token, "b" * 40, 3600)
