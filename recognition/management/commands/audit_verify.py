import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recognition.access_log.chain import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the access log's hash chain and check it against every signed anchor (the "
        "database's and the anchor file's). Exits 0 when everything matches; otherwise exits 1 "
        "and names the first problem (an event changed, deleted or inserted out of order, or "
        "a chain rewritten since an anchor)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--anchors",
            type=Path,
            help="an anchor file to check against (default: ACCESSPORTAL_AUDIT_ANCHOR_FILE)",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        anchor_file = options["anchors"] or Path(settings.AUDIT_ANCHOR_FILE)
        if options["anchors"] and not anchor_file.exists():
            raise CommandError(f"There is no anchor file at {anchor_file}.")
        report = audit_chain_verify(anchor_file=anchor_file)
        seconds = round(time.perf_counter() - started, 2)
        if options["json"]:
            self.stdout.write(json.dumps({**report.as_dict(), "seconds": seconds}))
        elif report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The access log is intact: {report.events} events, {report.doors} door "
                    f"results and {report.anchors} signed anchors checked"
                    + (f" ({report.pruned} pruned events' links)" if report.pruned else "")
                    + f" in {seconds} s."
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
