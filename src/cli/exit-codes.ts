/** Documented exit codes of the filterlab command (README, "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** Some inputs failed (the others were processed), or the command failed. */
  FAILED: 1,
  /** The command line was wrong (unknown option, missing argument). */
  USAGE: 2,
  /** `eval`: the verdict is NO-SHIP; `bench --baseline`: a regression beyond the allowed percent. */
  GATE_FAILED: 3,
  /** Interrupted by SIGINT/SIGTERM; completed outputs are kept, none is left half-written. */
  INTERRUPTED: 130,
} as const;
