/** Ends the example with a non-zero exit code when what it promised did not happen. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`example failed: ${message}`);
}
