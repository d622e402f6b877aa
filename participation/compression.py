"""Text travels compressed (Brotli or gzip, whichever the browser asks for), with working validators.

Flask-Compress does the compressing; this module decides what reaches it:

- A strong ETag becomes weak first. Flask-Compress would append ``:gzip`` or ``:br`` to a strong
  ETag, so the tag a browser or calendar app sends back would no longer match the one the view
  computes, and every conditional request would build the whole answer (a feed of hundreds of
  events) only to throw it away. A weak ETag names the content in any encoding; If-None-Match
  compares weakly, so the view answers 304 before it builds anything.
- A text file of the built site goes out as the Brotli or gzip copy the build wrote beside it
  (participation/site.py); any other streamed file is read into memory first: Flask-Compress
  compresses streamed file responses with neither gzip nor a Content-Length.
- Only complete answers (200) are compressed: the byte range of a 206 refers to the stored file.
- A body that is the same for everybody under a key (`participation.caching.share_body`: the
  agenda, the feeds) is compressed once per key and Accept-Encoding, then served from memory.
"""

from __future__ import annotations

from flask import Flask, Response, request

from participation import caching
from participation.extensions import compress

ALGORITHMS = ["br", "gzip"]  # in the order chosen when a browser accepts both
EXTRA_TYPES = ["text/calendar", "text/csv"]  # the feeds and staff exports; Flask-Compress lacks them


def init_app(app: Flask) -> None:
    """Configure Flask-Compress and run it from our own after-request hook."""
    app.config.setdefault("COMPRESS_ALGORITHM", ALGORITHMS)
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress.init_app(app)
    compress.compress_mimetypes_set.update(EXTRA_TYPES)
    compressible = compress.compress_mimetypes_set

    @app.after_request
    def compress_text(response: Response) -> Response:
        if response.mimetype not in compressible or response.status_code not in (200, 304):
            return response
        if "Content-Encoding" in response.headers:
            return response  # a guide's file compressed when the site was built (participation/site.py)
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)
        if response.status_code == 200 and response.direct_passthrough:
            response.direct_passthrough = False
            response.make_sequence()
        shared = caching.shared_body_key()
        if shared is None or response.status_code != 200:
            # Adds "Vary: Accept-Encoding" to 304s too, and compresses 200s the client accepts.
            return compress.after_request(response)
        kept = caching.cache("compressed", size=64)
        variant = (shared, request.headers.get("Accept-Encoding", ""))
        hit = kept.get(variant)
        if hit is None:
            response = compress.after_request(response)
            kept.put(variant, (response.headers.get("Content-Encoding"), response.get_data()))
            return response
        encoding, body = hit
        response.set_data(body)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        return response
