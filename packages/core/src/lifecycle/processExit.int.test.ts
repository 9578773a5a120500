import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-support/exitingProducer.mjs');

/** Runs the producer in `mode` until it exits; `onLine` sees each line it prints on stdout. */
function run(mode: string, onLine: (line: string, child: ReturnType<typeof spawn>) => void = () => {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', script, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split('\n').filter(Boolean)) onLine(line, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const exitReport = /"msg":"process exiting with undelivered events: with the memory spool they are lost[^"]*","events":3/;

describe('a process shutting down while the destination fails', () => {
  it('stays alive for a close() awaited at top level until its deadline, then says what is lost', async () => {
    const { code, stderr } = await run('top-level');
    expect(stderr).toMatch(/ShutdownTimeoutError: close\(\) did not finish within 300 ms: 1 batch\(es\) holding 3 event\(s\)/);
    expect(stderr).toMatch(exitReport);
    expect(code).toBe(1);
  });

  it('runs the SIGTERM handler to the end of its close(), then says what is lost', async () => {
    const { code, stdout, stderr } = await run('signal', (line, child) => {
      if (line === 'ready') child.kill('SIGTERM');
    });
    expect(stdout).toContain('close failed: SLUICE_TIMEOUT');
    expect(stderr).toMatch(exitReport);
    expect(code).toBe(0);
  });

  it('leaves nothing running once close() has settled: the parts are closed and the process exits by itself', async () => {
    const { code, stdout } = await run('parts');
    expect(stdout).toContain('closed, 1 object(s)');
    expect(code).toBe(0);
  });
});
