/**
 * A Jenkins simulator of its own for each test (of the simulator, of the
 * Jenkins client), on a fresh ManualClock at 2026-01-01 12:00 UTC, closed
 * after the test together with the servers the test started beside it.
 */
import type { Server } from 'node:http';
import { afterEach } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startJenkinsSimulator, type JenkinsSimulator, type JenkinsSimulatorOptions } from '../../src/sim/jenkins.ts';
import { closeServer } from './loopback.ts';

export interface JenkinsPerTest {
  /** Starts this test's simulator with the defaults given to {@link jenkinsPerTest}, then `options`. */
  start(options?: Omit<JenkinsSimulatorOptions, 'clock'>): Promise<JenkinsSimulator>;
  /** The clock of the simulator `start()` made last. */
  readonly clock: ManualClock;
  /** Closes `server` after the test, once the simulator is closed. */
  closeAfterTest(server: Server): void;
}

/** Call at the top of a test file: registers the `afterEach` that closes what the test started. */
export function jenkinsPerTest(defaults: Omit<JenkinsSimulatorOptions, 'clock'>): JenkinsPerTest {
  let jenkins: JenkinsSimulator | undefined;
  let clock: ManualClock | undefined;
  const servers: Server[] = [];
  afterEach(async () => {
    await jenkins?.close();
    jenkins = undefined;
    for (const server of servers.splice(0)) await closeServer(server);
  });
  return {
    async start(options = {}) {
      clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
      jenkins = await startJenkinsSimulator({ clock, ...defaults, ...options });
      return jenkins;
    },
    get clock() {
      if (!clock) throw new Error('no Jenkins simulator yet: call start() first');
      return clock;
    },
    closeAfterTest(server) {
      servers.push(server);
    },
  };
}
