/**
 * Test helpers: `incidentkit/testing`. A fake clock, a recording channel, a ready test kit and
 * the store conformance suite for your own adapters.
 *
 * @packageDocumentation
 */
export { FakeClock } from './fake-clock.js';
export { type RecordedCall, RecordingChannel, type RecordingChannelOptions } from './recording-channel.js';
export {
  type CorruptHook,
  type Damage,
  runStoreConformance,
  STORE_CONFORMANCE_CHECKS,
  type StoreConformanceOptions,
} from './store-conformance.js';
export { createTestKit, type TestKit, type TestKitOptions } from './test-kit.js';
