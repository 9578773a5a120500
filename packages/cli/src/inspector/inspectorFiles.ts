import { readFileSync } from 'node:fs';

/** A static file of the inspector page, read once. */
export interface InspectorFile {
  readonly type: string;
  readonly body: Buffer;
}

const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/inspector.js': ['inspector.js', 'text/javascript; charset=utf-8'],
  '/inspector.css': ['inspector.css', 'text/css; charset=utf-8'],
} as const;

let cached: Record<string, InspectorFile> | undefined;

/**
 * The page's files by route, from the package's `static/` folder (beside `src/` and `dist/`,
 * so the same path works from either). A fixed list, never a path from the request: nothing
 * but these three files can be served. The page needs no build step and no network.
 */
export function inspectorFiles(): Record<string, InspectorFile> {
  cached ??= Object.fromEntries(
    Object.entries(FILES).map(([route, [name, type]]) => [route, { type, body: readFileSync(new URL(`../../static/${name}`, import.meta.url)) }]),
  );
  return cached;
}
