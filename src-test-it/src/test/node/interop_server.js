'use strict';
/*
 * grpc-js interop server: the standard grpc.testing.TestService
 * (https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md, server features).
 *
 * EmptyCall, UnaryCall (response size, EchoStatus), StreamingOutputCall (interval_us), StreamingInputCall,
 * FullDuplexCall, HalfDuplexCall; echo of x-grpc-test-echo-initial (initial metadata) and
 * x-grpc-test-echo-trailing-bin (trailing metadata). UnimplementedCall is left out, so grpc-js answers UNIMPLEMENTED.
 *
 * Not implemented because grpc-js 1.14 cannot: CompressedResponse (the grpc-js server never compresses responses, so
 * response_compressed is ignored) and CompressedRequest (a handler cannot tell whether a request was compressed:
 * grpc-js removes grpc-encoding from the metadata it shows and does not expose the message flag). grpc-java's
 * reference server does not implement CompressedRequest either.
 *
 * Flags like grpc-java's TestServiceServer: --port (0 = any free port), --use_tls (default false), --tls_cert_file,
 * --tls_key_file (default: grpc-java's test server1.pem/.key from target/grpc-test-certs); --proto_dir. Binds 127.0.0.1.
 * Prints "LISTENING <port>" once serving; stops on SIGTERM, SIGINT or end of stdin.
 */
const fs = require('fs');
const path = require('path');
const {grpc, loadTesting, parseFlags, emit, DEFAULT_PROTO_DIR, CERTS, MAX_MESSAGE, ECHO_INITIAL, ECHO_TRAILING} =
    require('./interop_common');

function payload(size) {
  return {type: 'COMPRESSABLE', body: Buffer.alloc(size)};
}

/** Sends the echoed initial metadata at once; returns the trailing metadata to end the call with. */
function echo(call) {
  const initial = call.metadata.get(ECHO_INITIAL);
  if (initial.length > 0) {
    const md = new grpc.Metadata();
    initial.forEach(v => md.add(ECHO_INITIAL, v));
    call.sendMetadata(md);
  }
  const trailing = new grpc.Metadata();
  call.metadata.get(ECHO_TRAILING).forEach(v => trailing.add(ECHO_TRAILING, v));
  return trailing;
}

/** The error that ends the call with the requested status, or null. */
function echoStatus(request, trailing) {
  const status = request.response_status;
  if (status && status.code !== 0) {
    return {code: status.code, details: status.message, metadata: trailing};
  }
  return null;
}

function delay(micros) {
  return micros > 0 ? new Promise(resolve => setTimeout(resolve, micros / 1000)) : Promise.resolve();
}

async function writeResponses(call, request) {
  for (const params of request.response_parameters) {
    await delay(params.interval_us);
    call.write({payload: payload(params.size)});
  }
}

const service = {
  EmptyCall(call, callback) {
    callback(null, {}, echo(call));
  },

  UnaryCall(call, callback) {
    const trailing = echo(call);
    const error = echoStatus(call.request, trailing);
    if (error) {
      callback(error);
      return;
    }
    const response = call.request.response_size > 0 ? {payload: payload(call.request.response_size)} : {};
    callback(null, response, trailing);
  },

  async StreamingOutputCall(call) {
    const trailing = echo(call);
    const error = echoStatus(call.request, trailing);
    if (error) {
      call.emit('error', error);
      return;
    }
    await writeResponses(call, call.request);
    call.end(trailing);
  },

  StreamingInputCall(call, callback) {
    const trailing = echo(call);
    let total = 0;
    call.on('data', request => {
      total += request.payload ? request.payload.body.length : 0;
    });
    call.on('end', () => callback(null, {aggregated_payload_size: total}, trailing));
    call.on('error', () => {});
  },

  FullDuplexCall(call) {
    const trailing = echo(call);
    let chain = Promise.resolve();
    let failed = false;
    call.on('data', request => {
      chain = chain.then(async () => {
        if (failed) {
          return;
        }
        const error = echoStatus(request, trailing);
        if (error) {
          failed = true;
          call.emit('error', error);
          return;
        }
        await writeResponses(call, request);
      });
    });
    call.on('end', () => chain.then(() => failed || call.end(trailing)));
    call.on('error', () => {});
  },

  HalfDuplexCall(call) {
    const trailing = echo(call);
    const requests = [];
    call.on('data', request => requests.push(request));
    call.on('end', async () => {
      for (const request of requests) {
        const error = echoStatus(request, trailing);
        if (error) {
          call.emit('error', error);
          return;
        }
        await writeResponses(call, request);
      }
      call.end(trailing);
    });
    call.on('error', () => {});
  },
};

function main() {
  const flags = parseFlags(process.argv.slice(2), {
    port: '0',
    use_tls: false,
    tls_cert_file: path.join(CERTS, 'server1.pem'),
    tls_key_file: path.join(CERTS, 'server1.key'),
    proto_dir: DEFAULT_PROTO_DIR,
  });
  const {testing} = loadTesting(flags.proto_dir);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
  server.addService(testing.TestService.service, service);
  const credentials = flags.use_tls
      ? grpc.ServerCredentials.createSsl(null, [{
        private_key: fs.readFileSync(flags.tls_key_file),
        cert_chain: fs.readFileSync(flags.tls_cert_file),
      }], false)
      : grpc.ServerCredentials.createInsecure();
  server.bindAsync(`127.0.0.1:${flags.port}`, credentials, (error, port) => {
    if (error) {
      process.stderr.write(`cannot bind 127.0.0.1:${flags.port}: ${error.message}\n`);
      process.exit(2);
    }
    emit(`LISTENING ${port}`);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    const force = setTimeout(() => server.forceShutdown(), 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      emit('STOPPED');
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main();
