export { temporarySpoolDirectory } from './temporarySpoolDirectory.js';
