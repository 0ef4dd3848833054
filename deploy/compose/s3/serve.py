"""moto's S3 API server on port 9000, with the buckets CODEFLIX_BUCKETS names already made.

Their objects are readable without credentials by whoever reaches the server, as a bucket
policy lets the media edge read on a real deployment; only the compose network reaches it.
"""

import json
import os
import signal
import threading
import urllib.request

from moto.server import ThreadedMotoServer


def put(path: str, body: bytes = b"") -> None:
    # A JSON body: urllib's default (a form) is read as form fields and lost.
    request = urllib.request.Request(
        f"http://127.0.0.1:9000/{path}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).close()


server = ThreadedMotoServer(ip_address="0.0.0.0", port=9000, verbose=False)
server.start()
for bucket in os.environ.get("CODEFLIX_BUCKETS", "").split():
    put(bucket)
    readable = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*"}  # fmt: skip
    put(f"{bucket}?policy", json.dumps({"Version": "2012-10-17", "Statement": [readable]}).encode())
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
server.stop()
