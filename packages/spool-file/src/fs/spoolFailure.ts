import { SpoolError, type SpoolErrorCode } from '@sluice/core';

/** What the user can do about a failed file operation, by errno. */
function diagnose(errno: string | undefined): { code: SpoolErrorCode; what: string; fix: string } {
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        code: 'SLUICE_SPOOL_FULL',
        what: errno === 'EDQUOT' ? 'the disk quota is used up' : 'the disk is full',
        fix: 'Free space on that disk, or give the spool a folder on a larger one (fileSpoolModule({ directory })).',
      };
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EEXIST':
      return {
        code: 'SLUICE_SPOOL_UNAVAILABLE',
        what: 'the spool folder or one of its subfolders is gone or is not a folder',
        fix: 'Something removed or replaced it while the process ran: restore it, and keep cleaners (tmpfiles, cron jobs) away from the spool folder.',
      };
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return {
        code: 'SLUICE_SPOOL_WRITE_FAILED',
        what: errno === 'EROFS' ? 'the file system is read-only' : 'permission was denied',
        fix: `Make the spool folder and everything in it writable by the user this process runs as (uid ${process.getuid?.() ?? 'unknown'}).`,
      };
    default:
      return {
        code: 'SLUICE_SPOOL_WRITE_FAILED',
        what: `the operating system reported ${errno ?? 'an error'}`,
        fix: 'Check the disk and the file system holding the spool folder (dmesg, df, mount).',
      };
  }
}

/**
 * Turns a failed file operation of the spool into a {@link SpoolError}: the code a program can
 * switch on, and a message that says what was done, on which file, what went wrong and what to
 * do. `consequence` tells what it means for the data (for example "The event was not stored.").
 */
export function spoolFailure(error: unknown, doing: string, path: string, consequence = ''): SpoolError {
  if (error instanceof SpoolError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const { code, what, fix } = diagnose(errno);
  const detail = errno ? ` (${errno})` : error instanceof Error ? ` (${error.message})` : '';
  const message = `Could not ${doing} ${path}: ${what}${detail}.${consequence ? ` ${consequence}` : ''} ${fix}`;
  return new SpoolError(code, message, path, { cause: error });
}
