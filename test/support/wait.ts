/**
 * The longest a test helper waits by default: shorter than vitest's 60 s test timeout, so that a
 * stuck wait fails with its own message. A test that waits longer raises its own timeout too.
 */
export const WAIT_MS = 45_000;
