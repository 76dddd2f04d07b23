import json

from django.core.management.base import BaseCommand, CommandError

from accessportal.key_rotation import keys_use


class Command(BaseCommand):
    help = (
        "Re-encrypt every photo, snapshot, report file and embedding with the first of "
        "ACCESSPORTAL_BIOMETRIC_KEYS (safe while kiosks decide). With --check, only count what "
        "still needs an older key: exits 1 while anything does."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="count, change nothing")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options):
        use = keys_use(rotate=not options["check"])
        if options["json"]:
            self.stdout.write(json.dumps(use.as_dict()))
        elif not options["check"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Re-encrypted {use.rotated} items with the first key in {use.seconds} s; "
                    f"{use.current} items now use it."
                )
            )
        if use.missing:
            self.stderr.write(f"{use.missing} files named in the database are not on disk.")
        if use.older or use.plain:
            raise CommandError(
                f"{use.older} items still need an older key and {use.plain} are not encrypted: "
                "keep the old keys listed and run `manage.py keys_rotate`."
            )
        if options["check"] and not options["json"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"All {use.current} encrypted items use the first key: the others can go."
                )
            )
