"""Chromium from the harness is a real browser: it loads a localhost page, runs its script, screenshots it."""

import http.server
import threading

PAGE = b"""<!doctype html><html><body><h1 id="t">LabelHive</h1>
<script>document.getElementById('t').textContent += ' \xe2\x9c\x93';</script></body></html>"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def test_loads_localhost_page_and_screenshots(chromium, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = chromium.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        assert page.text_content("#t") == "LabelHive ✓"
        shot = tmp_path / "page.png"
        page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 1000
        page.close()
    finally:
        server.shutdown()
