"""Every setting of the server, defined once: its flag, environment variable,
config-file key, default and help.

A value comes from the first of: the command line, the environment, the TOML
file named by --config (or $WEBRTC_TUTORIAL_CONFIG), the default. Adding a
setting is one `Setting(...)` entry in SETTINGS; app.py reads the result.

This module imports only the standard library at the top: app.py reads
--async-mode through it before eventlet or gevent monkey-patch anything.
Checks that need the app's packages import them when they run.
"""

import argparse
import copy
import json
import os
import pathlib
import tomllib
from dataclasses import dataclass, replace

ENV_PREFIX = "WEBRTC_TUTORIAL_"
CONFIG_FLAG, CONFIG_ENV = "--config", ENV_PREFIX + "CONFIG"


class SettingError(ValueError):
    """A value, from wherever it came, that cannot be used; says where it came from."""


# ---- Checks: text in, value out, ValueError with a sentence otherwise ----------


def port(text):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{text!r} is not a port number between 1 and 65535")
    return int(text)


def positive(text):
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value <= 3600:
        raise ValueError(f"{text!r} is not a number of seconds between 0 and 3600")
    return value


def switch(text):
    """On or off: the environment and the config file say so in words (a flag needs none)."""
    words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
    if text.strip().lower() not in words:
        raise ValueError(f"{text!r} is not one of true, false, yes, no, on, off, 1, 0")
    return words[text.strip().lower()]


def folder(text):
    return str(pathlib.Path(text).resolve())


def proxy_hops(text):
    if not text.isdigit() or int(text) > 9:
        raise ValueError(f"{text!r} is not a number of proxies between 0 and 9")
    return int(text)


def origin(text):
    """scheme://host[:port], as browsers send it in the Origin header; never '*'.
    `null` is the origin of a page opened from a file (a downloaded step), and
    also of sandboxed frames on any site: allowed only when asked for by name."""
    from urllib.parse import urlsplit

    if text == "null":
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or "*" in text:
        raise ValueError(f"{text!r} is not an origin such as https://class.example:8443 or null "
                         "(and '*' would let any site in)")
    return text


def message_queue(text):
    """redis://[user:password@]host[:port][/db] (rediss:// over TLS)."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("redis", "rediss") or not parts.hostname or \
            parts.path.strip("/") and not parts.path.strip("/").isdigit() or parts.query:
        raise ValueError(f"{text!r} is not a Redis URL such as redis://127.0.0.1:6379/0")
    return text


def host(text):
    from pages.hosts import allowed_host

    return allowed_host(text)


def ice_servers(text):
    from pages.ice import parse_servers

    return parse_servers(text)


def turn_url(text):
    from pages.turn import check_url

    return check_url(text)


def ttl(text):
    if not text.isdigit() or not 1 <= int(text) <= 7 * 86400:
        raise ValueError(f"{text!r} is not a whole number of seconds between 1 and 604800 (a week)")
    return int(text)


def secret(text):
    if not text.strip():
        raise ValueError("the secret is empty")
    return text


def default_from(module, attribute):
    """A default defined elsewhere (module.attribute, dotted), read when asked."""

    def default():
        import importlib

        value = importlib.import_module(module)
        for name in attribute.split("."):
            value = getattr(value, name)
        return value

    return default


def async_modes():
    import serving

    return serving.ASYNC_MODES


# ---- The settings ----------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    flag: str
    help: str
    default: object = None  # a value, or a function that returns it
    check: object = str  # text -> value, ValueError otherwise
    env: str = ""  # defaults to WEBRTC_TUTORIAL_<NAME>
    repeatable: bool = False  # the flag may be given again; env: comma-separated; TOML: a list
    choices: object = None  # a tuple, or a function that returns one
    metavar: str | None = None
    is_switch: bool = False  # a flag without a value: given means on (check must be `switch`)

    @property
    def name(self):
        """The argparse destination and the TOML key."""
        return self.flag[2:].replace("-", "_")

    @property
    def env_name(self):
        return self.env or ENV_PREFIX + self.name.upper()

    def default_value(self):
        if self.repeatable and self.default is None:
            return []
        value = self.default() if callable(self.default) else self.default
        return copy.deepcopy(value)  # a list default is never shared between two reads

    def allowed(self):
        return self.choices() if callable(self.choices) else self.choices

    def parse(self, text):
        """One value from text (the command line, the environment, a file)."""
        value = self.check(text)
        allowed = self.allowed()
        if allowed is not None and value not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return value


SETTINGS = [
    Setting("--host", "address to listen on; 0.0.0.0 for every interface", "127.0.0.1"),
    Setting("--port", "port to listen on", 8080, port, env="PORT"),
    Setting("--async-mode", "the server's concurrency model", "eventlet", choices=async_modes),
    Setting("--ice-servers", "STUN/TURN servers for the call page, as JSON RTCIceServer objects, e.g. "
            "'[{\"urls\": \"stun:stun.example.org:3478\"}]'", [], ice_servers, env="ICE_SERVERS"),
    Setting("--turn-url", "a TURN server for the call page, e.g. turn:turn.example.org:3478, with "
            "short-term credentials from --turn-secret (repeatable)", check=turn_url, repeatable=True,
            metavar="URL"),
    Setting("--turn-secret", "the TURN server's static-auth-secret (coturn --use-auth-secret); prefer the "
            "environment or the config file: a command line is visible to every user in `ps`",
            check=secret, metavar="SECRET"),
    Setting("--turn-ttl", "seconds the TURN credentials of a page stay valid",
            default_from("pages.turn", "DEFAULT_TTL"), ttl, metavar="SECONDS"),
    Setting("--ice-transport-policy", "'relay' makes the call page use TURN relays only", "all",
            choices=("all", "relay")),
    Setting("--allow-origin", "another origin whose pages may connect to the signaling server, "
            "e.g. https://class.example (repeatable)", check=origin, repeatable=True, metavar="ORIGIN"),
    Setting("--request-timeout", "time a client has to send a request's line and headers",
            default_from("serving", "HEAD_SECONDS"), seconds, metavar="SECONDS"),
    Setting("--idle-timeout", "longest wait for a client that neither sends nor reads",
            default_from("serving", "IDLE_SECONDS"), seconds, metavar="SECONDS"),
    Setting("--allow-host", "another name this server answers to, e.g. class.example (repeatable)",
            check=host, repeatable=True, metavar="NAME"),
    Setting("--proxy", "the number of proxies in front whose X-Forwarded-For/-Proto/-Host/-Port headers "
            "to believe", 0, proxy_hops, metavar="N"),
    Setting("--per-address-connections", "connections one client address may hold open",
            default_from("signaling.addresses", "AddressLimits.connections"), positive, metavar="N"),
    Setting("--per-address-rooms", "places in rooms one client address may hold",
            default_from("signaling.addresses", "AddressLimits.room_places"), positive, metavar="N"),
    Setting("--per-address-joins", "joins a minute from one client address",
            default_from("signaling.addresses", "AddressLimits.joins_per_minute"), positive, metavar="N"),
    Setting("--message-queue", "a Redis URL, e.g. redis://127.0.0.1:6379/0: this process is one of several "
            "that share their rooms there (default: one process, rooms in memory)", check=message_queue,
            env="MESSAGE_QUEUE", metavar="URL"),
    Setting("--https", "serve https and wss with a self-signed certificate, made on first use and kept in the "
            "instance folder (phones and other computers need https for the camera)", False, switch,
            is_switch=True),
    Setting("--certfile", "serve https with this TLS certificate (PEM) instead"),
    Setting("--keyfile", "TLS private key (PEM) for --certfile"),
    Setting("--steps-dir", "the tutorial's content: step folders, texts and steps/lesson.js (default: steps/ "
            "beside app.py); edits show on the next reload", check=folder, metavar="FOLDER"),
    Setting("--instance-path", "where --https keeps its certificate (default: instance/ beside app.py)",
            check=folder, metavar="FOLDER"),
]

BY_NAME = {setting.name: setting for setting in SETTINGS}


# ---- Reading them ----------------------------------------------------------------


def argument_type(setting):
    def convert(text):
        try:
            return setting.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def build_parser():
    parser = argparse.ArgumentParser(
        description="Serve the WebRTC video call tutorial. Every option may also come from the environment "
                    f"or from a TOML file ({CONFIG_FLAG}); the command line wins, then the environment, then the file.")
    parser.add_argument(CONFIG_FLAG, metavar="FILE", help=f"a TOML file of settings (env ${CONFIG_ENV})")
    for setting in SETTINGS:
        shown = "none" if setting.default_value() in (None, []) else setting.default_value()
        if setting.is_switch:
            parser.add_argument(setting.flag, action="store_const", const=True, default=argparse.SUPPRESS,
                                help=f"{setting.help} (env ${setting.env_name}=true; config key {setting.name})")
            continue
        parser.add_argument(
            setting.flag,
            type=argument_type(setting),
            action="append" if setting.repeatable else "store",
            default=argparse.SUPPRESS,  # so that "not given" is told apart from a value
            metavar=setting.metavar or "|".join(setting.allowed() or [setting.name.upper()]),
            choices=None,  # checked by setting.parse, with its own sentence
            help=f"{setting.help} (default: {shown}; env ${setting.env_name}; "
                 f"config key {setting.name})".replace("%", "%%"),
        )
    return parser


def from_text(setting, text, where):
    """A value from the environment: repeatable ones are comma-separated."""
    try:
        if setting.repeatable:
            return [setting.parse(item.strip()) for item in text.split(",") if item.strip()]
        return setting.parse(text)
    except ValueError as error:
        raise SettingError(f"{where}: {error}") from None


def from_toml(setting, value, where):
    """A value from the config file: a string, a number or a list (for
    --ice-servers, an array of tables is the JSON list)."""
    try:
        if setting.repeatable:
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(item, str) for item in items):
                raise ValueError("expected a list of strings")
            return [setting.parse(item) for item in items]
        return setting.parse(value if isinstance(value, str) else json.dumps(value))
    except ValueError as error:
        raise SettingError(f"{where}: {error}") from None


def read_config(path):
    """The settings in a TOML file: {key: value}. Unknown keys are refused."""
    if not path:
        return {}
    try:
        with open(path, "rb") as file:
            table = tomllib.load(file)
    except OSError as error:
        raise SettingError(f"config file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingError(f"config file {path} is not valid TOML: {error}") from None
    unknown = sorted(set(table) - set(BY_NAME))
    if unknown:
        raise SettingError(f"config file {path}: unknown setting {', '.join(unknown)} "
                           f"(known: {', '.join(BY_NAME)})")
    return table


def resolve(setting, given, environ, table, path):
    """The value of one setting: command line, environment, config file, default."""
    if setting.name in given:
        return given[setting.name]
    if setting.env_name in environ:
        return from_text(setting, environ[setting.env_name], f"${setting.env_name}")
    if setting.name in table:
        return from_toml(setting, table[setting.name], f"config file {path}, {setting.name}")
    return setting.default_value()


def check_together(values):
    """Settings that only make sense with another."""
    if values.turn_url and not values.turn_secret:
        raise SettingError("--turn-url needs --turn-secret (or $WEBRTC_TUTORIAL_TURN_SECRET)")
    if values.turn_secret and not values.turn_url:
        raise SettingError("--turn-secret needs at least one --turn-url")
    static_turn = any(str(url).startswith("turn") for server in values.ice_servers
                      for url in (server["urls"] if isinstance(server["urls"], list) else [server["urls"]]))
    if values.ice_transport_policy == "relay" and not (values.turn_url or static_turn):
        raise SettingError("--ice-transport-policy relay needs a TURN server (--turn-url, or one in --ice-servers): "
                           "without one, no call can connect")


def parse(argv=None, environ=None):
    """Every setting, as an argparse.Namespace; exits with a message naming the
    setting and where its value came from when one is wrong."""
    environ = os.environ if environ is None else environ
    parser = build_parser()
    given = vars(parser.parse_args(argv))
    path = given.pop("config", None) or environ.get(CONFIG_ENV)
    try:
        table = read_config(path)
        values = argparse.Namespace(**{s.name: resolve(s, given, environ, table, path) for s in SETTINGS})
        check_together(values)
    except SettingError as error:
        parser.error(str(error))
    return values


def early_value(name, argv, environ=None):
    """One setting, read before the app's packages may be imported (--async-mode,
    for monkey-patching); it imports none of them. A wrong value anywhere gives
    the default here, or, for a value outside its choices, that value; parse()
    then says what is wrong."""
    environ = os.environ if environ is None else environ
    # Its form is checked here, not its choices: they may come from the app's packages,
    # and a module imported before monkey-patching keeps the locks it made then.
    setting = replace(BY_NAME[name], choices=None)
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument(CONFIG_FLAG)
    early.add_argument(setting.flag, default=argparse.SUPPRESS)
    known = vars(early.parse_known_args(argv)[0])
    path = known.pop("config", None) or environ.get(CONFIG_ENV)
    try:
        if name in known:
            known[name] = setting.parse(known[name])
        return resolve(setting, known, environ, read_config(path), path)
    except ValueError:
        return setting.default_value()
