"""The official Socket.IO JavaScript client, in Chromium, with its default options:
it starts on HTTP long-polling, upgrades to WebSocket, and joins, relays and leaves."""

# Two sockets in one page: each waits for its upgrade, then they meet in a room.
# Every wait is bounded, so a client that never upgrades fails the test, not hangs it.
TWO_DEFAULT_CLIENTS = """async (room) => {
  const within = (what, executor) => Promise.race([
    new Promise(executor),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10000)),
  ]);
  const next = (socket, event) => within(event, (resolve) => socket.once(event, resolve));
  // io() opens its Engine.IO connection at once: watch it from the start.
  const open = () => {
    const socket = io('/signal', { forceNew: true });
    const startedOn = socket.io.engine.transport.name;
    const upgraded = within('upgrade to WebSocket', (resolve) => socket.io.engine.once('upgrade', resolve));
    return { socket, startedOn, upgraded, connected: next(socket, 'connect') };
  };
  const clients = [open(), open()];
  const [first, second] = clients.map((client) => client.socket);
  await Promise.all(clients.flatMap((client) => [client.connected, client.upgraded]));
  const startedOn = clients.map((client) => client.startedOn);

  const joins = [await first.emitWithAck('join', { room })];
  const peerJoined = next(first, 'peer-joined');
  joins.push(await second.emitWithAck('join', { room }));
  await peerJoined;
  const relayed = next(first, 'signal');
  second.emit('signal', { type: 'offer', sdp: 'v=0\\r\\n' });
  const signal = await relayed;
  const peerLeft = next(first, 'peer-left');
  const left = await second.emitWithAck('leave');
  await peerLeft;
  const transports = [first, second].map((s) => s.io.engine.transport.name);
  first.disconnect();
  second.disconnect();
  return { startedOn, transports, joins, signal, left };
}"""


def test_the_javascript_client_with_default_transports(server, page, room):
    page.goto(f"{server}/")
    page.add_script_tag(url="/static/vendor/socket.io/socket.io.min.js")
    seen = page.evaluate(TWO_DEFAULT_CLIENTS, room)
    assert seen == {
        "startedOn": ["polling", "polling"],
        "transports": ["websocket", "websocket"],
        "joins": [{"ok": True, "role": "caller", "peers": 0}, {"ok": True, "role": "callee", "peers": 1}],
        "signal": {"type": "offer", "sdp": "v=0\r\n"},
        "left": {"ok": True},
    }
