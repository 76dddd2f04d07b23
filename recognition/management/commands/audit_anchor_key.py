import base64

from django.core.management.base import BaseCommand

from recognition.access_log.anchors import anchor_key_id, anchor_public_key


class Command(BaseCommand):
    help = (
        "Print the public key that checks the access log's anchors (Ed25519, base64) and its "
        "id, to keep with whoever receives the anchor file."
    )

    def handle(self, *args, **options):
        public = anchor_public_key()
        self.stdout.write(f"{base64.b64encode(public).decode()}  (key id {anchor_key_id(public)})")
