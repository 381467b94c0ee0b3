"""Helpers of the API tests."""


def error(response) -> dict:
    """The error body; every error of the API has the same three keys."""
    body = response.json()
    assert set(body) == {"detail", "reasons", "fields"}, body
    return body
