from django.core.management.base import BaseCommand

from gates.demo import DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo site, gates, schedules, people, rules and users (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        credentials = demo_load()
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/admin/ with any of these users:")
        for username, role in DEMO_USERS.items():
            self.stdout.write(f"  {username:<8} {role or 'superuser'}")
        self.stdout.write(f"Password for all of them: {credentials.password}")
        if not credentials.created:
            self.stdout.write(
                "(kept from the first run; a password changed since then is not shown)"
            )
