"""The command line: defaults, PORT, and ICE servers reaching the call page."""

from pathlib import Path

import pytest

from app import create_app, parse_args
from serving import ASYNC_MODES
from signaling.addresses import AddressLimits


def test_defaults_serve_localhost_8080_under_eventlet(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("ICE_SERVERS", raising=False)
    args = parse_args([])
    assert (args.host, args.port, args.async_mode, args.ice_servers) == ("127.0.0.1", 8080, "eventlet", [])


def test_every_async_mode_can_be_chosen_and_no_other():
    assert [parse_args(["--async-mode", mode]).async_mode for mode in ASYNC_MODES] == list(ASYNC_MODES)
    with pytest.raises(SystemExit):
        parse_args(["--async-mode", "asyncio"])


def test_other_origins_may_be_allowed_but_never_everyone(capsys):
    assert parse_args(["--allow-origin", "https://class.example:8443"]).allow_origin == ["https://class.example:8443"]
    for bad in ("*", "https://*.example", "class.example", "https://class.example/path"):
        with pytest.raises(SystemExit):
            parse_args(["--allow-origin", bad])
        assert "is not an origin" in capsys.readouterr().err


def test_port_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9123")
    assert parse_args([]).port == 9123
    assert parse_args(["--port", "9000"]).port == 9000


def test_ice_servers_are_parsed_and_checked(capsys):
    servers = parse_args(["--ice-servers", '[{"urls": "stun:stun.example.org:3478"}]']).ice_servers
    assert servers == [{"urls": "stun:stun.example.org:3478"}]
    for bad in ("not json", '{"urls": "stun:x"}', '[{"url": "stun:x"}]'):
        with pytest.raises(SystemExit):
            parse_args(["--ice-servers", bad])
        assert "--ice-servers" in capsys.readouterr().err


def test_ice_servers_reach_the_call_page():
    turn = {"urls": "turn:turn.example.org", "username": "u", "credential": "c"}
    app = create_app({"ASYNC_MODE": "threading", "ICE_SERVERS": [turn]})
    page = app.test_client().get("/call?room=r").get_data(as_text=True)
    assert '"urls": "turn:turn.example.org"' in page


def test_per_address_limits_default_to_the_signaling_defaults_and_may_be_set(capsys):
    args = parse_args([])
    defaults = (args.per_address_connections, args.per_address_rooms, args.per_address_joins)
    assert defaults == (AddressLimits().connections, AddressLimits().room_places, AddressLimits().joins_per_minute)
    assert parse_args(["--per-address-rooms", "5"]).per_address_rooms == 5
    for bad in ("0", "-1", "many", "1.5"):
        with pytest.raises(SystemExit):
            parse_args(["--per-address-connections", bad])
        assert "is not a whole number" in capsys.readouterr().err


def test_more_host_names_may_be_allowed_but_never_everyone(capsys):
    args = parse_args(["--allow-host", "Class.Example", "--allow-host", "fe80::1"])
    assert args.allow_host == ["class.example", "[fe80::1]"]
    assert parse_args([]).allow_host == []
    for bad in ("*", "*.example", "https://class.example", "class.example:8443"):
        with pytest.raises(SystemExit):
            parse_args(["--allow-host", bad])
        assert "is not a host name" in capsys.readouterr().err


def test_forwarded_headers_count_only_with_proxy():
    assert parse_args([]).proxy == 0
    assert parse_args(["--proxy", "2"]).proxy == 2
    with pytest.raises(SystemExit):
        parse_args(["--proxy", "-1"])


def test_https_is_off_unless_asked_for_and_the_instance_folder_may_be_moved(tmp_path, monkeypatch):
    args = parse_args([])
    assert (args.https, args.certfile, args.instance_path) == (False, None, None)
    assert parse_args(["--https"]).https is True
    monkeypatch.chdir(tmp_path)
    assert parse_args(["--instance-path", "certs"]).instance_path == str(tmp_path / "certs")


def test_the_instance_folder_is_beside_app_py_unless_moved(tmp_path):
    assert create_app({"ASYNC_MODE": "threading"}).instance_path == str(Path(__file__).parents[1] / "instance")
    assert create_app({"ASYNC_MODE": "threading", "INSTANCE_PATH": str(tmp_path)}).instance_path == str(tmp_path)
