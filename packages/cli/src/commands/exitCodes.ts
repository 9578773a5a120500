/** Exit codes of the `sluice` command, the same for every subcommand. */
export const EXIT = {
  /** Done: served and shut down cleanly, verified, printed, replayed. */
  ok: 0,
  /** Failed at run time: cannot listen, spool locked or unusable, S3 unreachable, a file operation failed. */
  failed: 1,
  /** Wrong usage or an invalid config: the message names the option or key and the fix. */
  usage: 2,
  /** Needs a person: verify found a permission missing; dead-letters found dead letters or unreadable files. */
  attention: 3,
  /** serve shut down with accepted events lost (memory spool, drain deadline passed). */
  lost: 4,
} as const;
