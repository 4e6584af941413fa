"""Console page tests sign in through the sign-in form, which is rate-limited."""
from __future__ import annotations

import pytest

from app.auth.models import Role, User
from tests import factories
from tests.factories import TEST_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_limits(reset_rate_limits):
    yield


def sign_in(client, user: User, next_page: str | None = None, language: str | None = None):
    """Post the sign-in form as `user`; the answer (a redirect when it worked)."""
    form = {"email": user.email, "password": TEST_PASSWORD}
    if next_page is not None:
        form["next"] = next_page
    return client.post("/console/sign-in", data=form,
                       headers={"Accept-Language": language} if language else None)


def sign_in_as(client, role: Role, language: str | None = None) -> User:
    """A new user of `role`, signed in; the user."""
    user = factories.UserFactory(role=role)
    answer = sign_in(client, user, language=language)
    assert answer.status_code == 302, answer.text
    return user
