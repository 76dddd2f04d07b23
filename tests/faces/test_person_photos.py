"""Display photos: bad uploads get a clear 400 and leave nothing behind; photos are never public."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from people.models import Person
from tests.conftest import token_client
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def image_bytes(size=(64, 64), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 150, 100)).save(buffer, fmt)
    return buffer.getvalue()


def create(client, name: str, content: bytes):
    return client.post(
        "/api/people/",
        {"first_name": "Ada", "last_name": "Lovelace", "photo": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_a_real_photo_is_stored_encrypted_and_served_only_to_operators(
    manager, desk, outsider, client
):
    original = image_bytes()
    response = create(token_client(manager), "ada-lovelace.jpg", original)
    assert response.status_code == 201, response.data
    person = Person.objects.get(pk=response.data["id"])
    assert response.data["has_photo"] and person.photo
    assert "ada" not in person.photo.name  # the file name says nothing about whose it is
    with open(person.photo.path, "rb") as raw:
        assert not raw.read().startswith(original[:4])  # encrypted on disk
    url = reverse("people:photo", args=[person.pk])
    client.force_login(desk)
    served = client.get(url)
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"
    assert b"".join(served.streaming_content) == original
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code in {302, 403}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jpg", b"", "empty"),
        ("notes.jpg", b"this is not an image at all", "valid image"),
        ("truncated.jpg", image_bytes()[:200], "valid image"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(manager, name, content, message):
    response = create(token_client(manager), name, content)
    assert response.status_code == 400
    assert message in str(response.data["photo"])
    assert not Person.objects.exists()


def test_too_many_pixels_is_refused_before_decoding(manager):
    bomb = image_bytes(size=(8000, 6000), fmt="PNG")  # 48 MP of one colour: a small file
    assert len(bomb) < 1_000_000
    response = create(token_client(manager), "bomb.png", bomb)
    assert response.status_code == 400
    assert "megapixels" in str(response.data["photo"])


def test_too_large_a_file_is_refused(manager, settings):
    settings.PHOTO_UPLOAD_MAX_BYTES = 10_000
    response = create(
        token_client(manager), "big.jpg", image_bytes(size=(800, 800)) + b"\0" * 20_000
    )
    assert response.status_code == 400
    assert "limit" in str(response.data["photo"])


def test_person_without_photo_has_no_photo_page(client, desk):
    client.force_login(desk)
    assert client.get(reverse("people:photo", args=[PersonFactory().pk])).status_code == 404


def test_every_stored_files_link_leads_to_it_for_those_allowed_and_to_nothing_public(
    manager, outsider, client
):
    """The admin's file widgets linked to /media-not-public/<name>, a bare Not Found: a stored
    file's URL now leads through the page that checks who may see it."""
    from recognition.models import FacePhoto

    ada = PersonFactory()
    ada.photo.save("ada.jpg", SimpleUploadedFile("ada.jpg", image_bytes()))
    face = FacePhoto.objects.create(person=ada, image=SimpleUploadedFile("f.jpg", image_bytes()))
    client.force_login(manager)
    for stored, page in (
        (ada.photo, reverse("people:photo", args=[ada.pk])),
        (face.image, reverse("recognition:face-photo-image", args=[face.pk])),
    ):
        assert stored.url.startswith("/files/") and stored.name in stored.url
        answer = client.get(stored.url)
        assert (answer.status_code, answer["Location"]) == (302, page)
        assert client.get(page).status_code == 200
    person_page = client.get(f"/admin/people/person/{ada.pk}/change/").content.decode()
    assert f'href="{face.image.url}"' in person_page and "media-not-public" not in person_page
    assert client.get("/files/faces/no-such-file.jpg").status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("recognition:face-photo-image", args=[face.pk])).status_code == 403
