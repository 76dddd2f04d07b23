"""Request bodies over REQUEST_MAX_BYTES are refused before Django reads them, through the
application Daphne serves (accessportal.asgi)."""

import logging

import pytest
from asgiref.testing import ApplicationCommunicator

from accessportal.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "client": ("203.0.113.9", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def post(path: str, chunks: list[bytes], headers=()) -> tuple[int, bytes, int]:
    """POST ``chunks``; the status, the body, and how many chunks the server read."""
    app = ApplicationCommunicator(application, scope(path, list(headers)))
    for number, chunk in enumerate(chunks):
        await app.send_input(
            {"type": "http.request", "body": chunk, "more_body": number < len(chunks) - 1}
        )
    start = await app.receive_output(timeout=10)
    body = await app.receive_output(timeout=10)
    await app.wait(timeout=10)
    unread = 0
    while not app.input_queue.empty():
        app.input_queue.get_nowait()
        unread += 1
    return start["status"], body["body"], len(chunks) - unread


def test_a_body_declared_too_large_is_refused_without_reading_it(settings, caplog):
    from asgiref.sync import async_to_sync

    limit = settings.REQUEST_MAX_BYTES
    chunks = [b"x" * 1024 * 1024] * 3
    with caplog.at_level(logging.WARNING, logger="accessportal.request_limits"):
        status, body, read = async_to_sync(post)(
            "/admin/login/", chunks, [(b"content-length", str(50 * 1024 * 1024).encode())]
        )
    assert status == 413 and f"at most {limit} bytes".encode() in body
    assert read == 0
    assert "203.0.113.9" in caplog.text and "/admin/login/" in caplog.text


def test_a_body_without_a_length_stops_being_read_at_the_limit(settings):
    from asgiref.sync import async_to_sync

    settings_limit = settings.REQUEST_MAX_BYTES
    chunk = b"x" * (1024 * 1024)
    chunks = [chunk] * (settings_limit // len(chunk) + 3)
    status, _, read = async_to_sync(post)("/api/auth/token/", chunks)
    assert status == 413
    assert read < len(chunks)  # the rest was never read


def test_a_body_under_the_limit_reaches_django():
    from asgiref.sync import async_to_sync

    form = b"username=nobody&password=wrong"
    status, _, read = async_to_sync(post)(
        "/api/auth/token/",
        [form],
        [
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(form)).encode()),
        ],
    )
    assert status == 400 and read == 1  # Django answered: wrong credentials
