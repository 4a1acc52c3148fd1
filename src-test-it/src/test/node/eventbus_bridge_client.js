// Calls helloworld.Greeter through the JSON gateway of an rpc-vertx server, over its SockJS event-bus bridge, with
// the npm client @vertx/eventbus-bridge-client.js (run by EventBusBridgeClientsIT). Usage:
//   node eventbus_bridge_client.js http://127.0.0.1:PORT/eventbus
// Prints one JSON object per case ({"case": ..., ...what was seen}) and exits 0; the test judges what was seen.
// Exits 1 if a case throws, 2 on a usage error; each wait is bounded.
'use strict';
const os = require('os');
const path = require('path');

// the npm packages are installed outside the repository (see interop_common.js): ~/.cache/rpcvertx-node by default
const NODE_DIR = process.env.RPCVERTX_NODE_DIR || path.join(os.homedir(), '.cache', 'rpcvertx-node');

function load(name) {
  try {
    return require(require.resolve(name, { paths: [NODE_DIR] }));
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') {
      throw e;
    }
    process.stderr.write('cannot load ' + name + ' from ' + NODE_DIR + ': run `npm ci` there with '
        + 'src-test-it/src/test/node/package.json and package-lock.json (.ci/run does it)\n');
    process.exit(3);
  }
}

const EventBus = load('@vertx/eventbus-bridge-client.js');

const WAIT_MS = 10000;
const STREAM_PREFIX = 'rpcvertx.gateway.stream.';

function bounded(what, executor) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(what + ': nothing within ' + WAIT_MS + ' ms')), WAIT_MS);
    executor(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

function connect(url) {
  return bounded('connect ' + url, (resolve, reject) => {
    const eb = new EventBus(url);
    eb.enableReconnect(false);
    eb.errors = [];
    eb.errorWaiters = [];
    // frames the bridge refuses come back as {"type":"err","body":"access_denied"} without an address
    eb.onerror = (err) => {
      const waiter = eb.errorWaiters.shift();
      if (waiter) {
        waiter(err);
      } else {
        eb.errors.push(err);
      }
    };
    eb.onopen = () => resolve(eb);
    eb.onclose = () => reject(new Error('closed before open'));
  });
}

function nextError(eb, what) {
  return bounded(what, (resolve) => {
    const queued = eb.errors.shift();
    if (queued) {
      resolve(queued);
    } else {
      eb.errorWaiters.push(resolve);
    }
  });
}

/** Sends a request; resolves {reply} or {error: {failureCode, message}}. */
function request(eb, address, body, headers) {
  return bounded('request ' + address, (resolve) => {
    eb.send(address, body, headers || {}, (err, reply) => resolve(err ? { error: err } : { reply: reply.body }));
  });
}

/**
 * The documented streaming pattern: the start reply names the call's stream and control addresses; register on the
 * stream, then grant credit on the control address; the last stream message has header rpcvertx-end.
 */
async function serverStreaming(eb, address, body) {
  const start = await request(eb, address, body);
  if (start.error) {
    return { start: start };
  }
  const stream = start.reply.stream;
  const messages = [];
  const ended = bounded('stream end', (resolve) => {
    eb.registerHandler(stream, function onMessage(err, msg) {
      if (err) {
        resolve({ streamError: err });
      } else if (msg.headers && msg.headers['rpcvertx-end'] === 'true') {
        eb.unregisterHandler(stream, onMessage);
        resolve({ end: msg.body });
      } else {
        messages.push(msg.body);
      }
    });
  });
  eb.send(start.reply.control, { request: 16 });
  const end = await ended;
  return Object.assign({ start: start.reply, messages: messages }, end);
}

async function main(url) {
  const results = [];
  const record = (name, seen) => {
    const line = Object.assign({ case: name }, seen);
    results.push(line);
    console.log(JSON.stringify(line));
  };
  const eb = await connect(url);
  const other = await connect(url);
  try {
    record('unary', await request(eb, 'helloworld.Greeter/SayHello', { name: 'node' }, { 'x-client': 'node' }));
    record('invalidArgument', await request(eb, 'helloworld.Greeter/SayHello', { nickname: 'node' }));
    record('unimplemented',
      await request(eb, 'rpcvertx.gateway.call', { name: 'node' }, { method: 'helloworld.Greeter/SayGoodbye' }));
    record('badTimeoutHeader', await request(eb, 'helloworld.Greeter/SayHello', { name: 'node' }, { timeout: 'soon' }));
    record('serverStreaming', await serverStreaming(eb, 'helloworld.Greeter/SayHelloStreamReply', { name: 'node' }));

    eb.send('rpcvertx.server.control', {}, () => {});
    record('notPermittedSend', { error: await nextError(eb, 'refusal of a send') });
    eb.registerHandler('rpcvertx.server.calls', () => {});
    record('notPermittedRegister', { error: await nextError(eb, 'refusal of a register') });
    eb.registerHandler(STREAM_PREFIX + 'short', () => {});
    record('madeUpStreamAddress', { error: await nextError(eb, 'refusal of a made-up stream address') });

    // a call's control address answers only the connection that started the call
    const started = await request(eb, 'helloworld.Greeter/SayHelloStreamReply', { name: 'owner' });
    const control = started.reply.control;
    const intruder = await request(other, control, { cancel: true });
    const owner = await request(eb, control, { cancel: true });
    record('controlFromAnotherConnection', { intruder: intruder, owner: owner });
  } finally {
    eb.close();
    other.close();
  }
  return results;
}

if (process.argv.length !== 3) {
  console.error('usage: node eventbus_bridge_client.js http://127.0.0.1:PORT/eventbus');
  process.exit(2);
}
main(process.argv[2]).then(
  () => process.exit(0),
  (e) => {
    console.error('eventbus_bridge_client: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  });
