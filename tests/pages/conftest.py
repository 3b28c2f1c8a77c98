"""The app as a learner starts it, through Flask's test client."""

import pytest

from app import create_app


@pytest.fixture
def app():
    return create_app({"ASYNC_MODE": "threading"})


@pytest.fixture
def client(app):
    return app.test_client()
