// Empties the current package's dist/ before its prepack build: `tsc -b` never deletes the
// output of a source file that was removed, and such a file would ship (with a map pointing at
// a source that is no longer there).
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
