"""The official Socket.IO JavaScript client, in Chromium, with its default options:
it starts on HTTP long-polling, upgrades to WebSocket, and joins, relays and leaves."""

# Two sockets in one page: each waits for its upgrade, then they meet in a room.
# Every wait is bounded, so a client that never upgrades fails the test, not hangs it.
TWO_DEFAULT_CLIENTS = """async (room) => {
  const within = (what, executor) => Promise.race([
    new Promise(executor),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10000)),
  ]);
  const connected = (socket) => within('connect', (resolve) => socket.on('connect', resolve));
  const upgraded = (socket) => within('upgrade to WebSocket', (resolve) => {
    if (socket.io.engine.transport.name === 'websocket') resolve();
    else socket.io.engine.on('upgrade', resolve);
  });
  const next = (socket, event) => within(event, (resolve) => socket.once(event, resolve));
  const first = io('/signal', { forceNew: true });
  const second = io('/signal', { forceNew: true });
  await Promise.all([connected(first), connected(second)]);
  const startedOn = first.io.engine.transport.name;
  await Promise.all([upgraded(first), upgraded(second)]);

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
        "startedOn": "polling",
        "transports": ["websocket", "websocket"],
        "joins": [{"ok": True, "role": "caller", "peers": 0}, {"ok": True, "role": "callee", "peers": 1}],
        "signal": {"type": "offer", "sdp": "v=0\r\n"},
        "left": {"ok": True},
    }
