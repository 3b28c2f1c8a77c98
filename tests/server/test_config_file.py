"""`python app.py --config FILE` alone: the server takes every setting from the
file, the async mode (read before monkey-patching) included."""

import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from tests.harness.server import ROOT, free_port, read_log, stop_process, wait_until_serving


def test_the_server_runs_as_the_config_file_says(tmp_path):
    port = free_port()
    config = tmp_path / "tutorial.toml"
    config.write_text(f'port = {port}\nasync_mode = "threading"\nturn_url = ["turn:turn.example.org:3478"]\n'
                      'turn_secret = "kept-in-the-file"\nturn_ttl = 600\nice_transport_policy = "relay"\n')
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "server.log"
        with open(log, "ab") as output:
            process = subprocess.Popen([sys.executable, "app.py", "--config", str(config)], cwd=ROOT,
                                       stdout=output, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(url, process, 20, log)
            assert f"WebRTC tutorial (threading): open http://localhost:{port}/" in read_log(log)
            configuration = requests.get(url + "/call/rtc-configuration", timeout=5).json()
            page = requests.get(url + "/call?room=r", timeout=5).text
        finally:
            stop_process(process)
    assert configuration["iceTransportPolicy"] == "relay"
    [relay] = configuration["iceServers"]
    assert relay["urls"] == ["turn:turn.example.org:3478"]
    assert "kept-in-the-file" not in page
