"""Password hashers for tests: Django's PBKDF2-SHA256 with few iterations (the same format, so
the kiosk page checks PINs hashed with it as it checks real ones)."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
