"""posterize: a Pixelflow converter in Python, with the standard library's HTTP server and Pillow.

It implements converters/openapi.yaml and nothing else. Run it with `PORT=5100 python3 main.py`.
On SIGTERM it answers new work with 503 SHUTTING_DOWN until the conversions in flight have
answered, then exits 0.
"""
import io, json, os, signal, sys, threading, warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageOps, UnidentifiedImageError

PORT, HOST = int(os.environ.get("PORT", "5100")), os.environ.get("HOST", "0.0.0.0")
MAX_PIXELS = int(os.environ.get("MAX_PIXELS", "50000000"))
MAX_IN_FLIGHT = int(os.environ.get("MAX_IN_FLIGHT", "2"))  # each holds a decoded image in memory
MAX_BODY_BYTES = 5 * 1024 * 1024 + 64 * 1024  # the 5 MiB upload limit, with the contract's slack
DISCARD_LIMIT = 64 * 1024 * 1024  # a larger body is not read to answer 413: the connection closes
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
SAVE_OPTIONS = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}}
# Pillow refuses images over twice this at open (DecompressionBombError); posterize() refuses over it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("ignore", Image.DecompressionBombWarning)

BITS = {"type": "integer", "minimum": 1, "maximum": 8, "default": 3, "title": "Bits per channel",
        "description": "Each colour channel keeps 2^bits levels: 1 keeps 2, 8 leaves the image as it is."}
DESCRIPTION = {"id": "posterize", "title": "Posterize", "progress": False, "maxPixels": MAX_PIXELS,
               "description": "Fewer tones per colour channel, for a flat poster look (Python and Pillow).",
               "params": {"type": "object", "properties": {"bits": BITS}, "additionalProperties": False}}


class Refused(Exception):
    """An answer with the contract's JSON error body: 4xx for bad input, 503 when busy."""
    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.details, self.headers = status, code, details, headers or {}


def parse_params(header):
    """The params header, checked as the JSON Schema in DESCRIPTION says (no validator in the stdlib)."""
    try:
        params = json.loads(header or "{}")
    except ValueError:
        params = None
    errors = [] if isinstance(params, dict) else [{"path": "", "message": "must be a JSON object"}]
    params = params if isinstance(params, dict) else {}
    errors += [{"path": f"/{key}", "message": "is not a known param"} for key in params if key != "bits"]
    bits = params.get("bits", BITS["default"])
    if isinstance(bits, bool) or not isinstance(bits, (int, float)) or not 1 <= bits <= 8 or bits % 1:
        errors.append({"path": "/bits", "message": "must be an integer from 1 to 8"})
    if errors:
        problems = "; ".join(f"params{e['path']} {e['message']}" for e in errors)
        raise Refused(400, "INVALID_PARAMS", f"invalid params for posterize: {problems}", {"errors": errors})
    return int(bits)


def posterize(data, bits):
    """The conversion: image bytes in, (image bytes, their type) out, in the input's format."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(TYPES))  # reads the header only
        if image.width * image.height > MAX_PIXELS:
            raise Image.DecompressionBombError(image.size)
        fmt = image.format
        image.load()  # the first frame of an animation only
        image = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        raise Refused(415, "UNSUPPORTED_IMAGE", "the body is not a JPEG, PNG, WebP or GIF image")
    except Image.DecompressionBombError:
        raise Refused(422, "IMAGE_TOO_LARGE", f"the image has more than {MAX_PIXELS} pixels",
                      {"maxPixels": MAX_PIXELS})
    except Exception as error:  # Pillow reports damage as OSError, SyntaxError, ValueError, …
        raise Refused(422, "CORRUPT_IMAGE", "the image is truncated or damaged", {"reason": str(error)})
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey: scale to 8 bits rather than clip
        image = image.convert("I").point(lambda v: v / 257).convert("L")
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "P"):
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
    levels = [v & (0xFF << (8 - bits)) & 0xFF for v in range(256)]
    if image.mode == "P":  # a palette image (GIF, some PNGs): posterize the palette, keep the pixels
        image.putpalette([levels[v] for v in image.getpalette()])
    else:  # every colour channel; alpha stays as it is
        alpha = 1 if image.mode in ("LA", "RGBA") else 0
        image = image.point(levels * (len(image.getbands()) - alpha) + list(range(256)) * alpha)
    # No metadata (EXIF, XMP, comments) in the result; the colour profile and transparency stay.
    icc = image.info.get("icc_profile")
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    out = io.BytesIO()
    image.save(out, fmt, **SAVE_OPTIONS.get(fmt, {}), **({"icc_profile": icc} if icc else {}))
    return out.getvalue(), TYPES[fmt]


slots, stopping = threading.BoundedSemaphore(MAX_IN_FLIGHT), threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the conversion service's client expects
    timeout = 30  # a client that stalls loses its connection instead of holding a thread

    def answer(self, status, body, content_type="application/json", headers=None):
        self.send_response(status)
        headers = {"Content-Type": content_type, "Content-Length": len(body), **(headers or {})}
        if stopping.is_set():  # no keep-alive connection is left idle at exit
            headers["Connection"] = "close"
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, refused):
        error = {"code": refused.code, "message": str(refused)}
        if refused.details:
            error["details"] = refused.details
        self.answer(refused.status, json.dumps({"error": error}).encode(), headers=refused.headers)

    def send_error(self, code, message=None, explain=None):  # the stdlib's refusals, as the contract has them
        self.close_connection = True
        self.refuse(Refused(code, "BAD_REQUEST", message or self.responses.get(code, ("error",))[0]))

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/describe":
            self.answer(200, json.dumps(DESCRIPTION).encode())
        elif path == "/healthz" or (path == "/readyz" and not stopping.is_set()):
            self.answer(200, b'{"status":"ok"}' if path == "/healthz" else b'{"status":"ready"}')
        elif path == "/readyz":
            self.refuse(Refused(503, "SHUTTING_DOWN", "shutting down", headers={"Retry-After": "1"}))
        else:
            self.refuse(Refused(404, "NOT_FOUND", f"no route GET {path}"))

    def do_POST(self):
        try:
            self.convert()
        except Refused as refused:
            self.refuse(refused)
        except (ConnectionError, TimeoutError):  # the client went away or stalled
            self.close_connection = True
        except Exception as error:
            self.log_error("conversion failed: %r", error)
            self.refuse(Refused(500, "INTERNAL_SERVER_ERROR", "the conversion failed"))

    def convert(self):
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            raise Refused(400, "BAD_REQUEST", "send the image with a Content-Length (no chunked bodies)",
                          headers={"Connection": "close"})
        length = int(length)
        if length > MAX_BODY_BYTES:
            if length <= DISCARD_LIMIT:  # read and drop it: the client then reads the 413, not a reset
                while length > 0 and (chunk := self.rfile.read(min(length, 65536))):
                    length -= len(chunk)
            raise Refused(413, "PAYLOAD_TOO_LARGE", f"the body is larger than {MAX_BODY_BYTES} bytes",
                          headers={"Connection": "close"})
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionError("the body ended early")
        if self.path.split("?")[0] != "/convert":
            raise Refused(404, "NOT_FOUND", f"no route POST {self.path}")
        if stopping.is_set():
            raise Refused(503, "SHUTTING_DOWN", "shutting down; retry later", headers={"Retry-After": "1"})
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/") and content_type != "application/octet-stream":
            raise Refused(415, "UNSUPPORTED_IMAGE", f'the Content-Type "{content_type}" is not an image type')
        bits = parse_params(self.headers.get("X-Converter-Params"))
        if not slots.acquire(blocking=False):
            raise Refused(503, "SERVICE_UNAVAILABLE", "too many conversions at once",
                          headers={"Retry-After": "1"})
        try:  # the slot is held until the answer is sent, so that shutdown waits for it
            self.answer(200, *posterize(data, bits))
        finally:
            slots.release()


def main():
    server = ThreadingHTTPServer((HOST, PORT), Handler)  # a thread per connection, daemon threads

    def drain():  # meanwhile new work gets 503 SHUTTING_DOWN, and /readyz 503
        for _ in range(MAX_IN_FLIGHT):  # every slot free: each conversion in flight has answered
            slots.acquire()
        server.shutdown()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=drain).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"msg": "listening", "host": HOST, "port": server.server_address[1]}), flush=True)
    server.serve_forever()
    server.server_close()
    print(json.dumps({"msg": "stopped"}), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
