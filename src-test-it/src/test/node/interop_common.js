'use strict';
/*
 * Shared by the grpc-js interop server and client: module and proto loading, flags, metadata helpers.
 *
 * The npm packages (package.json: @grpc/grpc-js 1.14.7, @grpc/proto-loader 0.8.1) are installed outside the
 * repository, by default into ~/.cache/rpcvertx-node (`npm ci` there, as .ci/run does); RPCVERTX_NODE_DIR overrides
 * that directory. The protos are grpc-java 1.79.0's grpc/testing/{test,messages,empty}.proto, which the src-test-it
 * Maven build extracts to target/interop-protos (override with --proto_dir).
 */
const os = require('os');
const path = require('path');

const NODE_DIR = process.env.RPCVERTX_NODE_DIR || path.join(os.homedir(), '.cache', 'rpcvertx-node');
const MODULE_ROOT = path.resolve(__dirname, '..', '..', '..');
const DEFAULT_PROTO_DIR = path.join(MODULE_ROOT, 'target', 'interop-protos');
const CERTS = path.join(MODULE_ROOT, 'target', 'grpc-test-certs', 'certs');
const MAX_MESSAGE = 16 * 1024 * 1024;
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';

function load(name) {
  try {
    return require(require.resolve(name, {paths: [NODE_DIR]}));
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') {
      throw e;
    }
    process.stderr.write(`cannot load ${name} from ${NODE_DIR}: run \`npm ci\` there with `
        + `src-test-it/src/test/node/package.json and package-lock.json (.ci/run does it)\n`);
    process.exit(3);
  }
}

const grpc = load('@grpc/grpc-js');
const protoLoader = load('@grpc/proto-loader');

/** The grpc.testing package: message types and service constructors. */
function loadTesting(protoDir) {
  const definition = protoLoader.loadSync(['grpc/testing/test.proto'], {
    keepCase: true,
    defaults: true,
    enums: String,
    longs: Number,
    includeDirs: [protoDir],
  });
  return {definition, testing: grpc.loadPackageDefinition(definition).grpc.testing};
}

/** Parses --name=value / --name value / --flag (boolean true) flags into an object, checking names. */
function parseFlags(argv, defaults) {
  const flags = Object.assign({}, defaults);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([a-z_]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1] in defaults)) {
      throw new Error(`unknown argument: ${arg} (known: ${Object.keys(defaults).map(k => '--' + k).join(' ')})`);
    }
    let value = match[2];
    if (value === undefined) {
      value = typeof defaults[match[1]] === 'boolean' || argv[i + 1] === undefined || argv[i + 1].startsWith('--')
          ? 'true' : argv[++i];
    }
    if (typeof defaults[match[1]] === 'boolean') {
      if (!['true', 'false'].includes(value)) {
        throw new Error(`--${match[1]}: not a boolean: ${value}`);
      }
      value = value === 'true';
    }
    flags[match[1]] = value;
  }
  return flags;
}

function emit(line) {
  process.stdout.write(line + '\n');
}

module.exports = {
  grpc, loadTesting, parseFlags, emit, DEFAULT_PROTO_DIR, CERTS, MAX_MESSAGE, ECHO_INITIAL, ECHO_TRAILING,
};
