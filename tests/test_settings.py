"""Settings: one table, and precedence command line > environment > config file > default."""

import subprocess
import sys

import pytest

import settings
from app import app_config, create_app, parse_args
from tests.harness.server import ROOT

NO_ENV = {}


def write(tmp_path, text, name="tutorial.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_every_setting_has_a_flag_an_environment_variable_a_key_and_help():
    names = [s.name for s in settings.SETTINGS]
    assert len(names) == len(set(names))
    envs = [s.env_name for s in settings.SETTINGS]
    assert len(envs) == len(set(envs))
    for setting in settings.SETTINGS:
        assert setting.flag.startswith("--") and setting.help
        # Unprefixed: the older two, and $MESSAGE_QUEUE, the name issue 10 gave it.
        assert setting.env_name in ("PORT", "ICE_SERVERS", "MESSAGE_QUEUE") or \
            setting.env_name.startswith("WEBRTC_TUTORIAL_")


def test_the_command_line_wins_over_the_environment_which_wins_over_the_file(tmp_path):
    config = write(tmp_path, 'port = 7001\nhost = "0.0.0.0"\nproxy = 2\nturn_ttl = 600\n')
    environ = {"PORT": "7002", "WEBRTC_TUTORIAL_PROXY": "1"}
    args = parse_args(["--config", config, "--port", "7003"], environ)
    assert args.port == 7003  # command line over environment and file
    assert args.proxy == 1  # environment over file
    assert (args.host, args.turn_ttl) == ("0.0.0.0", 600)  # file over default
    assert args.idle_timeout == 60  # the default


def test_the_config_file_may_be_named_in_the_environment(tmp_path):
    config = write(tmp_path, 'async_mode = "gevent"\n')
    assert parse_args([], {"WEBRTC_TUTORIAL_CONFIG": config}).async_mode == "gevent"


def test_lists_come_as_repeated_flags_comma_separated_variables_and_toml_arrays(tmp_path):
    urls = ["turn:a.example:3478", "turns:b.example:5349?transport=tcp"]
    from_cli = parse_args(["--turn-url", urls[0], "--turn-url", urls[1], "--turn-secret", "s"], NO_ENV)
    from_env = parse_args([], {"WEBRTC_TUTORIAL_TURN_URL": ", ".join(urls), "WEBRTC_TUTORIAL_TURN_SECRET": "s"})
    config = write(tmp_path, f'turn_url = {urls!r}\nturn_secret = "s"\n'.replace("'", '"'))
    from_file = parse_args(["--config", config], NO_ENV)
    assert from_cli.turn_url == from_env.turn_url == from_file.turn_url == urls


def test_ice_servers_in_the_file_may_be_toml_tables(tmp_path):
    config = write(tmp_path, '[[ice_servers]]\nurls = "stun:stun.example.org:3478"\n')
    assert parse_args(["--config", config], NO_ENV).ice_servers == [{"urls": "stun:stun.example.org:3478"}]


def test_turn_settings_reach_the_call_page(tmp_path):
    config = write(tmp_path, 'turn_secret = "from-the-file"\nice_transport_policy = "relay"\n')
    args = parse_args(["--config", config, "--turn-url", "turn:turn.example.org"], NO_ENV)
    app = create_app({**app_config(args), "ASYNC_MODE": "threading"})
    page = app.test_client().get("/call?room=r").get_data(as_text=True)
    assert '"urls": ["turn:turn.example.org"]' in page and '"iceTransportPolicy": "relay"' in page
    assert "from-the-file" not in page


@pytest.mark.parametrize(("argv", "environ", "said"), [
    (["--turn-url", "turn:t.example"], NO_ENV, "--turn-url needs --turn-secret"),
    (["--turn-secret", "s"], NO_ENV, "--turn-secret needs at least one --turn-url"),
    ([], {"PORT": "http"}, "$PORT: 'http' is not a port number"),
    ([], {"WEBRTC_TUTORIAL_ICE_TRANSPORT_POLICY": "tcp"}, "'tcp' is not one of all, relay"),
    ([], {"WEBRTC_TUTORIAL_TURN_TTL": "0"}, "$WEBRTC_TUTORIAL_TURN_TTL: '0' is not a whole number of seconds"),
    (["--turn-url", "stun:s.example", "--turn-secret", "s"], NO_ENV, "is not a TURN URL"),
    (["--turn-secret", " "], NO_ENV, "the secret is empty"),
    (["--ice-transport-policy", "relay", "--ice-servers", '[{"urls": ["stun:s.example"]}]'], NO_ENV,
     "--ice-transport-policy relay needs a TURN server"),
])
def test_wrong_values_are_refused_with_where_they_came_from(argv, environ, said, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv, environ)
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(("text", "said"), [
    ("port = = 8\n", "{config} is not valid TOML: Invalid value (at line 1, column 8)"),
    ('port = 8000\nturn_secrets = "s"\n', "{config}: unknown setting turn_secrets (known: host, port"),
    ("proxy = true\n", "{config}, proxy: 'true' is not a number of proxies"),
    (None, "{config}: No such file or directory"),
])
def test_a_wrong_config_file_is_refused_naming_the_file_and_what_is_wrong(text, said, tmp_path, capsys):
    config = write(tmp_path, text) if text is not None else str(tmp_path / "nowhere.toml")
    with pytest.raises(SystemExit):
        parse_args(["--config", config], NO_ENV)
    assert "config file " + said.format(config=config) in capsys.readouterr().err


def test_the_async_mode_is_read_early_from_any_source_and_falls_back_on_errors(tmp_path):
    config = write(tmp_path, 'async_mode = "threading"\n')
    assert settings.early_value("async_mode", ["--config", config, "--port", "1"], NO_ENV) == "threading"
    assert settings.early_value("async_mode", ["--async-mode", "gevent"], {"WEBRTC_TUTORIAL_CONFIG": config}) \
        == "gevent"
    assert settings.early_value("async_mode", [], {"WEBRTC_TUTORIAL_ASYNC_MODE": "gevent"}) == "gevent"
    broken = write(tmp_path, "async_mode = [", name="broken.toml")
    assert settings.early_value("async_mode", ["--config", broken], NO_ENV) == "eventlet"


def test_the_early_read_imports_none_of_the_app_s_packages():
    """app.py monkey-patches after it: a module imported before keeps unpatched locks
    (a server once deadlocked on one). Even a wrong mode is left for parse() to refuse."""
    script = ("import sys, settings; settings.early_value('async_mode', sys.argv[1:]); "
              "print(sorted({'pages', 'serving', 'signaling'} & set(sys.modules)))")
    for argv in ([], ["--async-mode", "gevent"], ["--async-mode", "bogus"]):
        run = subprocess.run([sys.executable, "-c", script, *argv], cwd=ROOT, capture_output=True, text=True)
        assert run.stdout.strip() == "[]", run.stdout + run.stderr


def test_help_lists_each_setting_with_its_variable_and_key(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--help"], NO_ENV)
    out = capsys.readouterr().out
    for setting in settings.SETTINGS:
        assert setting.flag in out and f"${setting.env_name}" in out


def test_relays_only_is_allowed_with_a_turn_server_from_either_setting():
    static = '[{"urls": ["stun:s.example", "turn:t.example"], "username": "u", "credential": "c"}]'
    assert parse_args(["--ice-transport-policy", "relay", "--ice-servers", static], NO_ENV).ice_transport_policy \
        == "relay"
    minted = ["--ice-transport-policy", "relay", "--turn-url", "turn:t.example", "--turn-secret", "s"]
    assert parse_args(minted, NO_ENV).ice_transport_policy == "relay"


def test_a_switch_is_a_bare_flag_a_word_in_the_environment_and_a_boolean_in_the_file(tmp_path):
    assert parse_args([], NO_ENV).https is False
    assert parse_args(["--https"], NO_ENV).https is True
    assert parse_args([], {"WEBRTC_TUTORIAL_HTTPS": "yes"}).https is True
    assert parse_args(["--config", write(tmp_path, "https = true\n")], NO_ENV).https is True
    assert parse_args(["--config", write(tmp_path, "https = false\n")], {"WEBRTC_TUTORIAL_HTTPS": "on"}).https is True


def test_a_switch_refuses_what_is_not_a_yes_or_a_no(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_args([], {"WEBRTC_TUTORIAL_HTTPS": "maybe"})
    assert "$WEBRTC_TUTORIAL_HTTPS: 'maybe' is not one of true, false" in capsys.readouterr().err


def test_the_message_queue_comes_from_the_flag_the_environment_or_the_file(tmp_path):
    url = "redis://127.0.0.1:6390/2"
    assert parse_args([], {}).message_queue is None
    assert app_config(parse_args(["--message-queue", url], {}))["MESSAGE_QUEUE"] == url
    assert parse_args([], {"MESSAGE_QUEUE": url}).message_queue == url
    config = write(tmp_path, f'message_queue = "{url}"\n')
    assert parse_args(["--config", config], {}).message_queue == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/0", "redis://", "redis://host:port/0", "redis://h/x",
                                 "127.0.0.1:6379"])
def test_a_message_queue_that_is_not_a_redis_url_is_refused_with_its_source(url, capsys):
    with pytest.raises(SystemExit):
        parse_args([], {"MESSAGE_QUEUE": url})
    assert f"$MESSAGE_QUEUE: {url!r} is not a Redis URL" in capsys.readouterr().err
