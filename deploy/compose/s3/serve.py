"""moto's S3 API server on port 9000 with the buckets CODEFLIX_BUCKETS names already made."""

import os
import signal
import threading
import urllib.request

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="0.0.0.0", port=9000, verbose=False)
server.start()
for bucket in os.environ.get("CODEFLIX_BUCKETS", "").split():
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:9000/{bucket}", method="PUT"))
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
server.stop()
