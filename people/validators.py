from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.images import get_image_dimensions
from django.utils.translation import gettext_lazy as _

# Enough for any camera; far below what a decompression bomb claims. Only the header is read.
MAX_PHOTO_PIXELS = 40_000_000


def validate_photo_size(photo: File) -> None:
    limit = settings.PHOTO_UPLOAD_MAX_BYTES
    if photo.size is not None and photo.size > limit:
        raise ValidationError(
            _("This photo is %(size).1f MB; the limit is %(limit).1f MB."),
            params={"size": photo.size / 1_048_576, "limit": limit / 1_048_576},
            code="photo_too_large",
        )


def validate_photo_pixels(photo: File) -> None:
    width, height = get_image_dimensions(photo)
    if width and height and width * height > MAX_PHOTO_PIXELS:
        raise ValidationError(
            _(
                "This photo is %(width)d × %(height)d pixels; at most %(limit)d megapixels are "
                "accepted."
            ),
            params={"width": width, "height": height, "limit": MAX_PHOTO_PIXELS // 1_000_000},
            code="photo_too_many_pixels",
        )
