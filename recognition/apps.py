import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = _("Recognition")

    def ready(self) -> None:
        # DeepFace reads its weights folder and its engine from the environment when it is
        # first imported, so they are set here, before anything can import it.
        from django.conf import settings

        os.environ["DEEPFACE_HOME"] = str(settings.FACE_MODELS_DIR)
        os.environ["DEEPFACE_BACKEND_ENGINE"] = settings.FACE_ENGINE_BACKEND

        from recognition import checks  # noqa: F401  (registers the start-up checks)
