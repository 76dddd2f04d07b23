import json
import time

from django.core.management.base import BaseCommand, CommandError

from recognition.access_log.chain import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the access log's hash chain. Exits 0 when every event matches; otherwise exits 1 "
        "and names the first event that does not (changed, deleted or inserted out of order)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = audit_chain_verify()
        seconds = round(time.perf_counter() - started, 2)
        if options["json"]:
            self.stdout.write(json.dumps({**report.as_dict(), "seconds": seconds}))
        elif report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The access log is intact: {report.events} events and {report.doors} door "
                    f"results checked in {seconds} s."
                )
            )
        if not report.ok:
            where = (
                f"event {report.first_bad_sequence}"
                + (f" (id {report.first_bad_id})" if report.first_bad_id else "")
                if report.first_bad_sequence
                else "a door result"
            )
            # CommandError exits with status 1 and prints to stderr.
            raise CommandError(f"The access log does not verify at {where}: {report.problem}")
