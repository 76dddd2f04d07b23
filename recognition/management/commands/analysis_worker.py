import asyncio
import signal

from django.core.management.base import BaseCommand

from recognition.kiosks.analysis_service import analysis_serve


class Command(BaseCommand):
    help = (
        "Analyse kiosk frames sent through the channel layer, one at a time, for web processes "
        "whose ACCESSPORTAL_KIOSK_FRAME_ANALYZER is "
        "recognition.kiosks.analysis_service.ChannelLayerAnalyzer. Run as many as there are "
        "cores to spare, on any machine that reaches Redis and the database."
    )

    def handle(self, *args, **options):
        async def serve() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for stop_signal in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(stop_signal, stop.set)
            await analysis_serve(stop=stop)

        asyncio.run(serve())
