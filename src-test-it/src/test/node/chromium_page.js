// Loads a page in a running headless Chromium over the DevTools protocol, waits (bounded) until the page's #reply
// and #status no longer show their initial text, prints {"reply", "stream", "status"} as JSON, and saves a
// screenshot. Run by EventBusBridgeClientsIT, which starts Chromium (--remote-debugging-port=0) and kills it by pid.
// Usage: node chromium_page.js ws://127.0.0.1:PORT/devtools/browser/ID http://host:port/page.html out.png
'use strict';
const fs = require('fs');
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

const WebSocket = load('faye-websocket');

const WAIT_MS = 20000;

function devtools(url) {
  const ws = new WebSocket.Client(url);
  const pending = new Map();
  const listeners = [];
  let nextId = 1;
  const opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', (e) => reject(new Error('DevTools connection failed: ' + e.message)));
  });
  ws.on('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) {
        reject(new Error(JSON.stringify(message.error)));
      } else {
        resolve(message.result);
      }
    } else if (message.method) {
      listeners.slice().forEach((listener) => listener(message));
    }
  });
  return {
    opened: opened,
    send(method, params, sessionId) {
      const id = nextId++;
      const frame = { id: id, method: method, params: params || {} };
      if (sessionId) {
        frame.sessionId = sessionId;
      }
      ws.send(JSON.stringify(frame));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    once(method, sessionId) {
      return new Promise((resolve) => {
        const listener = (message) => {
          if (message.method === method && message.sessionId === sessionId) {
            listeners.splice(listeners.indexOf(listener), 1);
            resolve(message.params);
          }
        };
        listeners.push(listener);
      });
    },
    close() {
      ws.close();
    },
  };
}

// Runs in the page: resolves once the greeter's answers are shown (a MutationObserver, no polling).
const SETTLED = `new Promise((resolve) => {
  const text = (id) => document.getElementById(id).textContent;
  const settled = () => text('reply') !== 'connecting...' && text('status') !== 'status: pending';
  const snapshot = () => JSON.stringify({
    reply: text('reply'),
    stream: Array.from(document.querySelectorAll('#stream li'), (li) => li.textContent),
    status: text('status'),
  });
  if (settled()) {
    resolve(snapshot());
    return;
  }
  new MutationObserver((mutations, observer) => {
    if (settled()) {
      observer.disconnect();
      resolve(snapshot());
    }
  }).observe(document.body, { childList: true, characterData: true, subtree: true });
})`;

async function main(browserUrl, pageUrl, screenshot) {
  const cdp = devtools(browserUrl);
  await cdp.opened;
  try {
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: targetId, flatten: true });
    await cdp.send('Page.enable', {}, sessionId);
    const loaded = cdp.once('Page.loadEventFired', sessionId);
    const navigation = await cdp.send('Page.navigate', { url: pageUrl }, sessionId);
    if (navigation.errorText) {
      throw new Error('navigation to ' + pageUrl + ' failed: ' + navigation.errorText);
    }
    await loaded;
    const evaluated = await cdp.send(
      'Runtime.evaluate', { expression: SETTLED, awaitPromise: true, returnByValue: true }, sessionId);
    if (evaluated.exceptionDetails) {
      throw new Error('page script failed: ' + JSON.stringify(evaluated.exceptionDetails));
    }
    const shot = await cdp.send('Page.captureScreenshot', { format: 'png' }, sessionId);
    fs.writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
    console.log(evaluated.result.value);
  } finally {
    cdp.close();
  }
}

if (process.argv.length !== 5) {
  console.error('usage: node chromium_page.js DEVTOOLS_BROWSER_WS_URL PAGE_URL SCREENSHOT.png');
  process.exit(2);
}
const timer = setTimeout(() => {
  console.error('chromium_page: no result within ' + WAIT_MS + ' ms');
  process.exit(1);
}, WAIT_MS);
main(process.argv[2], process.argv[3], process.argv[4]).then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (e) => {
    console.error('chromium_page: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  });
