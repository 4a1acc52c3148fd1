'use strict';
/*
 * grpc-js interop client: the standard test cases against any grpc.testing.TestService
 * (https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md, plus grpc-java's very_large_request:
 * a 10 MiB request, a 10 byte response, and client_compressed_{unary,streaming}_noprobe: the compression cases without
 * the probe that needs a server checking expect_compressed).
 *
 * Prints one line per case, in order: "PASS <case>" or "FAIL <case>: <reason>", preceded by "NOTE <case>: <text>"
 * where grpc-js cannot check everything the case asks for (server_compressed_*: grpc-js does not expose the
 * compressed flag of a received message, so only the payloads are checked; client_compressed_*: grpc-js compresses
 * per channel, not per call or message, so the compressed calls go through a second channel configured for gzip, and
 * in client_compressed_streaming the expect_compressed=false message is compressed too). Exits 0 when every case
 * passed, 1 otherwise.
 *
 * Flags like grpc-java's TestServiceClient: --server_host, --server_port, --test_case (a case, a comma-separated list,
 * or all), --use_tls, --use_test_ca, --ca_file (default with TLS: grpc-java's test ca.pem from target/grpc-test-certs),
 * --server_host_override (TLS name and :authority); --proto_dir.
 */
const fs = require('fs');
const path = require('path');
const {grpc, loadTesting, parseFlags, emit, DEFAULT_PROTO_DIR, CERTS, MAX_MESSAGE, ECHO_INITIAL, ECHO_TRAILING} =
    require('./interop_common');

const CASES = ['empty_unary', 'large_unary', 'client_streaming', 'server_streaming', 'ping_pong', 'empty_stream',
  'cancel_after_begin', 'cancel_after_first_response', 'timeout_on_sleeping_server', 'custom_metadata',
  'status_code_and_message', 'special_status_message', 'unimplemented_method', 'unimplemented_service',
  'client_compressed_unary', 'client_compressed_streaming', 'server_compressed_unary', 'server_compressed_streaming',
  'very_large_request', 'client_compressed_unary_noprobe', 'client_compressed_streaming_noprobe'];
const CASE_TIMEOUT_MS = 30000;
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n';
const Status = grpc.status;
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([name, code]) => [code, name]));
const EOF = Symbol('EOF');

class Failure extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new Failure(message);
  }
}

function statusName(code) {
  return STATUS_NAMES[code] || String(code);
}

function payload(size) {
  return {type: 'COMPRESSABLE', body: Buffer.alloc(size)};
}

function checkPayload(response, size) {
  const body = response && response.payload ? response.payload.body : Buffer.alloc(0);
  check(body.length === size, `expected a ${size} byte payload, got ${body.length} bytes`);
  check(body.equals(Buffer.alloc(size)), 'payload is not all zeros');
}

/**
 * Wraps a grpc-js call: read() resolves to the next message or EOF; status and metadata resolve with the call's
 * status (never reject: a failed call ends with its status) and its initial metadata.
 */
function track(call) {
  const messages = [];
  const readers = [];
  let ended = false;
  let resolveStatus;
  let resolveMetadata;
  const tracked = {
    call,
    status: new Promise(resolve => resolveStatus = resolve),
    metadata: new Promise(resolve => resolveMetadata = resolve),
    read() {
      if (messages.length > 0) {
        return Promise.resolve(messages.shift());
      }
      if (ended) {
        return Promise.resolve(EOF);
      }
      return new Promise(resolve => readers.push(resolve));
    },
  };
  const finish = () => {
    ended = true;
    readers.splice(0).forEach(r => r(EOF));
  };
  call.on('data', message => readers.length > 0 ? readers.shift()(message) : messages.push(message));
  call.on('metadata', md => resolveMetadata(md));
  call.on('status', status => {
    resolveMetadata(new grpc.Metadata());
    resolveStatus(status);
    finish();
  });
  call.on('end', finish);
  call.on('error', () => finish());
  return tracked;
}

/** A unary or client-streaming call's outcome: {error, response, metadata, status}. */
function unaryOutcome(start) {
  return new Promise(resolve => {
    let outcome = null;
    let status = null;
    let metadata = new grpc.Metadata();
    const done = () => outcome && status && resolve(Object.assign(outcome, {metadata, status}));
    const call = start((error, response) => {
      outcome = {error, response};
      done();
    });
    call.on('metadata', md => metadata = md);
    call.on('status', s => {
      status = s;
      done();
    });
  });
}

function expectOk(outcome) {
  if (outcome.error) {
    throw new Failure(`${statusName(outcome.error.code)}: ${JSON.stringify(outcome.error.details)}`);
  }
  return outcome.response;
}

function expectStatus(outcome, code, details) {
  if (!outcome.error) {
    throw new Failure(`expected ${statusName(code)}, got a response`);
  }
  check(outcome.error.code === code,
      `expected ${statusName(code)}, got ${statusName(outcome.error.code)}: ${JSON.stringify(outcome.error.details)}`);
  if (details !== undefined) {
    check(outcome.error.details === details,
        `expected details ${JSON.stringify(details)}, got ${JSON.stringify(outcome.error.details)}`);
  }
}

function metadataOf(pairs) {
  const md = new grpc.Metadata();
  for (const [k, v] of pairs) {
    md.add(k, v);
  }
  return md;
}

class Cases {
  constructor(stub, gzipStub, generic, notes) {
    this.stub = stub;
    this.gzipStub = gzipStub;
    this.generic = generic;
    this.notes = notes;
  }

  unary(request, options = {}, stub = this.stub, method = 'UnaryCall') {
    return unaryOutcome(cb => stub[method](request, options.metadata || new grpc.Metadata(), options, cb));
  }

  clientStream(requests, stub = this.stub) {
    return unaryOutcome(cb => {
      const call = stub.StreamingInputCall(cb);
      requests.forEach(r => call.write(r));
      call.end();
      return call;
    });
  }

  simpleRequest(fields = {}) {
    return Object.assign({response_type: 'COMPRESSABLE', response_size: 314159, payload: payload(271828)}, fields);
  }

  async empty_unary() {
    const response = expectOk(await this.unary({}, {}, this.stub, 'EmptyCall'));
    check(response !== null && Object.keys(response).length === 0, `expected an empty response`);
  }

  async large_unary() {
    checkPayload(expectOk(await this.unary(this.simpleRequest())), 314159);
  }

  async client_streaming() {
    const response = expectOk(await this.clientStream([27182, 8, 1828, 45904].map(n => ({payload: payload(n)}))));
    check(response.aggregated_payload_size === 74922,
        `expected aggregated_payload_size 74922, got ${response.aggregated_payload_size}`);
  }

  async server_streaming() {
    const sizes = [31415, 9, 2653, 58979];
    const call = track(this.stub.StreamingOutputCall({response_parameters: sizes.map(size => ({size}))}));
    const got = [];
    for (let m = await call.read(); m !== EOF; m = await call.read()) {
      got.push(m.payload.body.length);
    }
    check(JSON.stringify(got) === JSON.stringify(sizes), `expected payload sizes ${sizes}, got ${got}`);
    const status = await call.status;
    check(status.code === Status.OK, `expected OK, got ${statusName(status.code)}: ${status.details}`);
  }

  async ping_pong() {
    const call = track(this.stub.FullDuplexCall());
    for (const [size, requestSize] of [[31415, 27182], [9, 8], [2653, 1828], [58979, 45904]]) {
      call.call.write({response_parameters: [{size}], payload: payload(requestSize)});
      const response = await call.read();
      check(response !== EOF, 'stream ended early');
      checkPayload(response, size);
    }
    call.call.end();
    check(await call.read() === EOF, 'expected no more responses');
    const status = await call.status;
    check(status.code === Status.OK, `expected OK, got ${statusName(status.code)}: ${status.details}`);
  }

  async empty_stream() {
    const call = track(this.stub.FullDuplexCall());
    call.call.end();
    check(await call.read() === EOF, 'expected zero responses');
    const status = await call.status;
    check(status.code === Status.OK, `expected OK, got ${statusName(status.code)}: ${status.details}`);
  }

  async cancel_after_begin() {
    const outcome = unaryOutcome(cb => {
      const call = this.stub.StreamingInputCall(cb);
      call.cancel();
      return call;
    });
    expectStatus(await outcome, Status.CANCELLED);
  }

  async cancel_after_first_response() {
    const call = track(this.stub.FullDuplexCall());
    call.call.write({response_parameters: [{size: 31415}], payload: payload(27182)});
    checkPayload(await call.read(), 31415);
    call.call.cancel();
    const status = await call.status;
    check(status.code === Status.CANCELLED, `expected CANCELLED, got ${statusName(status.code)}`);
  }

  async timeout_on_sleeping_server() {
    const call = track(this.stub.FullDuplexCall({deadline: Date.now() + 1}));
    call.call.write({payload: payload(27182)});
    const status = await call.status;
    check(status.code === Status.DEADLINE_EXCEEDED, `expected DEADLINE_EXCEEDED, got ${statusName(status.code)}`);
  }

  checkEchoed(initial, trailing, what) {
    const i = initial.get(ECHO_INITIAL);
    check(i.length === 1 && i[0] === 'test_initial_metadata_value',
        `${what}: initial metadata ${ECHO_INITIAL}: ${JSON.stringify(i)}`);
    const t = trailing.get(ECHO_TRAILING);
    check(t.length === 1 && Buffer.isBuffer(t[0]) && t[0].equals(Buffer.from([0xab, 0xab, 0xab])),
        `${what}: trailing metadata ${ECHO_TRAILING}: ${JSON.stringify(t)}`);
  }

  echoMetadata() {
    return metadataOf([[ECHO_INITIAL, 'test_initial_metadata_value'],
      [ECHO_TRAILING, Buffer.from([0xab, 0xab, 0xab])]]);
  }

  async custom_metadata() {
    const outcome = await this.unary(this.simpleRequest(), {metadata: this.echoMetadata()});
    checkPayload(expectOk(outcome), 314159);
    this.checkEchoed(outcome.metadata, outcome.status.metadata, 'UnaryCall');

    const call = track(this.stub.FullDuplexCall(this.echoMetadata()));
    call.call.write({response_parameters: [{size: 314159}], payload: payload(271828)});
    checkPayload(await call.read(), 314159);
    call.call.end();
    check(await call.read() === EOF, 'expected one response');
    const status = await call.status;
    check(status.code === Status.OK, `FullDuplexCall: expected OK, got ${statusName(status.code)}`);
    this.checkEchoed(await call.metadata, status.metadata, 'FullDuplexCall');
  }

  async echoStatus(message, duplexToo) {
    const responseStatus = {code: 2, message};
    expectStatus(await this.unary({response_status: responseStatus}), Status.UNKNOWN, message);
    if (!duplexToo) {
      return;
    }
    const call = track(this.stub.FullDuplexCall());
    call.call.write({response_status: responseStatus});
    call.call.end();
    const status = await call.status;
    check(status.code === Status.UNKNOWN, `FullDuplexCall: expected UNKNOWN, got ${statusName(status.code)}`);
    check(status.details === message,
        `FullDuplexCall: expected details ${JSON.stringify(message)}, got ${JSON.stringify(status.details)}`);
  }

  async status_code_and_message() {
    await this.echoStatus('test status message', true);
  }

  async special_status_message() {
    await this.echoStatus(SPECIAL_MESSAGE, false);
  }

  genericEmptyCall(method) {
    return unaryOutcome(cb => this.generic.makeUnaryRequest(method, () => Buffer.alloc(0), b => b, {}, cb));
  }

  async unimplemented_method() {
    expectStatus(await this.genericEmptyCall('/grpc.testing.TestService/UnimplementedCall'), Status.UNIMPLEMENTED);
  }

  async unimplemented_service() {
    expectStatus(await this.genericEmptyCall('/grpc.testing.UnimplementedService/UnimplementedCall'),
        Status.UNIMPLEMENTED);
  }

  async client_compressed_unary(probe = true) {
    this.notes.push('grpc-js compresses per channel: the compressed call goes through a gzip channel');
    if (probe) {
      try {
        expectStatus(await this.unary(this.simpleRequest({expect_compressed: {value: true}})),
            Status.INVALID_ARGUMENT);
      } catch (e) {
        throw new Failure(`probe (uncompressed, expect_compressed=true): ${e.message}`);
      }
    }
    const compressed = this.simpleRequest({expect_compressed: {value: true}});
    checkPayload(expectOk(await this.unary(compressed, {}, this.gzipStub)), 314159);
    checkPayload(expectOk(await this.unary(this.simpleRequest({expect_compressed: {value: false}}))), 314159);
  }

  async client_compressed_streaming(probe = true) {
    if (probe) {
      try {
        const request = [{expect_compressed: {value: true}, payload: payload(27182)}];
        expectStatus(await this.clientStream(request), Status.INVALID_ARGUMENT);
      } catch (e) {
        throw new Failure(`probe (uncompressed, expect_compressed=true): ${e.message}`);
      }
    }
    this.notes.push('grpc-js compresses per channel: the expect_compressed=false message was compressed too');
    const requests = [{expect_compressed: {value: true}, payload: payload(27182)},
      {expect_compressed: {value: false}, payload: payload(45904)}];
    const response = expectOk(await this.clientStream(requests, this.gzipStub));
    check(response.aggregated_payload_size === 73086,
        `expected aggregated_payload_size 73086, got ${response.aggregated_payload_size}`);
  }

  async client_compressed_unary_noprobe() {
    await this.client_compressed_unary(false);
  }

  async client_compressed_streaming_noprobe() {
    await this.client_compressed_streaming(false);
  }

  async server_compressed_unary() {
    this.notes.push('grpc-js does not expose the compressed flag of a received message: payloads checked only');
    for (const value of [true, false]) {
      checkPayload(expectOk(await this.unary(this.simpleRequest({response_compressed: {value}}))), 314159);
    }
  }

  async server_compressed_streaming() {
    this.notes.push('grpc-js does not expose the compressed flag of a received message: payloads checked only');
    const sizes = [31415, 92653];
    const call = track(this.stub.StreamingOutputCall({
      response_parameters: [{compressed: {value: true}, size: 31415}, {compressed: {value: false}, size: 92653}],
    }));
    const got = [];
    for (let m = await call.read(); m !== EOF; m = await call.read()) {
      checkPayload(m, sizes[got.length] === undefined ? -1 : sizes[got.length]);
      got.push(m.payload.body.length);
    }
    check(JSON.stringify(got) === JSON.stringify(sizes), `expected payload sizes ${sizes}, got ${got}`);
    const status = await call.status;
    check(status.code === Status.OK, `expected OK, got ${statusName(status.code)}: ${status.details}`);
  }

  async very_large_request() {
    const request = this.simpleRequest({response_size: 10, payload: payload(10 * 1024 * 1024)});
    checkPayload(expectOk(await this.unary(request)), 10);
  }
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`no outcome within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), {
    server_host: '127.0.0.1',
    server_port: '',
    test_case: 'all',
    use_tls: false,
    use_test_ca: true,
    ca_file: '',
    server_host_override: '',
    proto_dir: DEFAULT_PROTO_DIR,
  });
  if (!flags.server_port) {
    throw new Error('--server_port is required');
  }
  const cases = flags.test_case === 'all' ? CASES : flags.test_case.split(',').map(c => c.trim()).filter(Boolean);
  const unknown = cases.filter(c => !CASES.includes(c));
  if (unknown.length > 0) {
    throw new Error(`unknown test cases: ${unknown.join(', ')} (known: ${CASES.join(', ')})`);
  }
  const {testing} = loadTesting(flags.proto_dir);
  const target = `${flags.server_host}:${flags.server_port}`;
  const credentials = flags.use_tls
      ? grpc.credentials.createSsl(fs.readFileSync(flags.ca_file || path.join(CERTS, 'ca.pem')))
      : grpc.credentials.createInsecure();
  const options = {'grpc.max_receive_message_length': MAX_MESSAGE, 'grpc.max_send_message_length': MAX_MESSAGE};
  if (flags.server_host_override) {
    options['grpc.default_authority'] = flags.server_host_override;
    if (flags.use_tls) {
      options['grpc.ssl_target_name_override'] = flags.server_host_override;
    }
  }
  const stub = new testing.TestService(target, credentials, options);
  // A distinct option set gives a distinct channel (grpc-js shares subchannels, not channels).
  const gzipStub = new testing.TestService(target, credentials,
      Object.assign({'grpc.default_compression_algorithm': 2}, options));
  const generic = new grpc.Client(target, credentials, options);
  let failed = 0;
  for (const name of cases) {
    const notes = [];
    let outcome;
    try {
      await withTimeout(new Cases(stub, gzipStub, generic, notes)[name](), CASE_TIMEOUT_MS);
      outcome = `PASS ${name}`;
    } catch (e) {
      outcome = `FAIL ${name}: ${e instanceof Failure ? e.message : e.stack || e}`;
    }
    notes.forEach(n => emit(`NOTE ${name}: ${n}`));
    failed += outcome.startsWith('FAIL') ? 1 : 0;
    emit(outcome.replace(/\s*\n\s*/g, ' '));
  }
  stub.close();
  gzipStub.close();
  generic.close();
  return failed;
}

main().then(failed => process.exit(failed > 0 ? 1 : 0), e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(2);
});
