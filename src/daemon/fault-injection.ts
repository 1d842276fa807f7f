// TEST-ONLY fault injection, so the lab can prove that a daemon whose election breaks
// fails safe (hands over, exits non-zero). Read from the environment by the shell and
// nowhere else; no setting, default or config file reaches it.
//
//   UCARPTS_TEST_FAULT=election:N   the election throws on its Nth event and on every
//                                   one after it (a persistent bug, not a one-off)
//   UCARPTS_TEST_FAULT=uncaught:N   at the election's Nth event, an exception is thrown
//                                   outside it, from the event loop (an uncaught exception)
//   UCARPTS_TEST_FAULT=stall:MS     on SIGWINCH, the event loop is blocked for MS (as by a
//                                   stuck call), while the adverts go on from their thread
//   UCARPTS_TEST_FAULT=ready-stall:MS  right after a detached daemon tells its parent it runs,
//                                   the event loop is blocked for MS (as by a busy machine
//                                   that deschedules it), so a supervisor's signal lands there
import type { ProtocolDriver } from './protocol-driver.js';

export const TEST_FAULT_ENV = 'UCARPTS_TEST_FAULT';

/** The driver as is, or with an election that starts throwing at the event the switch names. */
export function withInjectedFault(driver: ProtocolDriver, env: NodeJS.ProcessEnv = process.env): ProtocolDriver {
  const m = /^(election|uncaught):(\d+)$/.exec(env[TEST_FAULT_ENV] ?? '');
  if (!m) return driver;
  const kind = m[1];
  const from = Number(m[2]);
  const real = driver.election;
  let events = 0;
  const election: typeof real = {
    get role() {
      return real.role;
    },
    deadline: () => real.deadline(),
    checks: () => real.checks(),
    needsPresent: () => true, // every event counts towards the Nth
    syncStanding: (now) => real.syncStanding(now),
    abandon: () => real.abandon(), // the way out stays intact
    // Every advert through the election, so that its Nth event comes when the test expects.
    standingAdverts: () => null,
    handle(event, now) {
      const n = ++events;
      const what = `injected fault (${TEST_FAULT_ENV}): election event ${n} (${event.type})`;
      if (kind === 'election' && n >= from) throw new Error(what);
      if (kind === 'uncaught' && n === from) {
        setImmediate(() => {
          throw new Error(what);
        });
      }
      return real.handle(event, now);
    },
  };
  return { ...driver, election };
}

/** With stall:MS, SIGWINCH blocks the event loop for MS (see the top of this file). */
export function injectStall(env: NodeJS.ProcessEnv = process.env): void {
  const m = /^stall:(\d+)$/.exec(env[TEST_FAULT_ENV] ?? '');
  if (!m) return;
  const ms = Number(m[1]);
  process.on('SIGWINCH', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms));
}

/** With ready-stall:MS, blocks the event loop for MS at once (see the top of this file). */
export function injectReadyStall(env: NodeJS.ProcessEnv = process.env): void {
  const m = /^ready-stall:(\d+)$/.exec(env[TEST_FAULT_ENV] ?? '');
  if (m) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(m[1]));
}
