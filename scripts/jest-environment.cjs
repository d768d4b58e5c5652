/**
 * jest.config.js `testEnvironment`: jest's node environment, and worker processes that leave as soon as they are done.
 *
 * At the end of a run jest tells each worker to stop and gives it 500 ms before killing it with "A worker process has
 * failed to exit gracefully … likely caused by tests leaking due to improper teardown". No handle is left open here
 * (the workers' event loops are empty the moment they are told to stop), but a worker that ran the fuzz, hostile and
 * layer suites holds 300-600 MB, and Node freeing that heap on its way out took 500-600 ms on a busy 2-core machine.
 * So a worker whose event loop has drained exits at once, without freeing its heap first. A drained loop is the proof
 * that nothing leaked: a test that leaves a server, socket, timer or child process behind still keeps its worker
 * alive, and jest still says so.
 */
const { TestEnvironment } = require('jest-environment-node');

const ONCE = Symbol.for('cuda-gate.jest-environment.quick-exit');

// once per worker process (this module is loaded outside the tests' sandbox); a run in band has no IPC channel
if (typeof process.send === 'function' && process.env.JEST_WORKER_ID !== undefined && !process[ONCE]) {
  process[ONCE] = true;
  // 'beforeExit' comes only when nothing is left to run; process.exit still emits 'exit' with the same code
  process.once('beforeExit', (code) => process.exit(code));
}

module.exports = TestEnvironment;
