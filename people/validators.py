from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File


def validate_photo_size(photo: File) -> None:
    limit = settings.PHOTO_UPLOAD_MAX_BYTES
    if photo.size is not None and photo.size > limit:
        raise ValidationError(
            "This photo is %(size)d MB; the limit is %(limit)d MB.",
            params={"size": photo.size // 1_048_576, "limit": limit // 1_048_576},
            code="photo_too_large",
        )
