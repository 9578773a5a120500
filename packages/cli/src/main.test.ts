import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@sluice/core/testing';
import { FileSpool, listSpool, parseFileSpoolOptions } from '@sluice/spool-file';
import { batchMeta } from '../../spool-file/test-support/batchMeta.js';
import { RecordingLogger } from '../../spool-file/test-support/RecordingLogger.js';
import { main } from './main.js';

let folder: string;
beforeEach(() => void (folder = mkdtempSync(path.join(tmpdir(), 'sluice-main-'))));
afterEach(() => rmSync(folder, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, isTTY = false) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t), isTTY, columns: 80 }, stderr: { write: (t: string) => (stderr += t) }, env, cwd: folder };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const writeConfig = (config: unknown, name = 'sluice.config.json') => {
  const file = path.join(folder, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
};

describe('sluice', () => {
  it.each(['serve', 'policy', 'verify', 'dead-letters', 'replay'])('prints help for %s with the exit codes', async (command) => {
    for (const argv of [[command, '--help'], ['help', command]]) {
      const { code, stdout } = await run(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: sluice ${command}`));
      expect(stdout).toMatch(/Exit codes:\n {2}0 {2}done/);
    }
  });

  it('answers wrong usage with exit code 2 and the usage', async () => {
    expect(await run([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^Usage: sluice <command>/m) });
    expect(await run(['launch'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "launch"/) });
    expect(await run(['serve', '--colour'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown option '--colour'/) });
    expect(await run(['policy', '--bucket', 'b'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--bucket and --principal are required/) });
  });

  it('prints the minimal bucket policy, narrowed to a prefix on request', async () => {
    const { code, stdout } = await run(['policy', '--bucket', 'my-bucket', '--principal', 'arn:aws:iam::123456789012:role/sluice', '--prefix', 'logs/']);
    expect(code).toBe(0);
    const policy = JSON.parse(stdout);
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: 'arn:aws:s3:::my-bucket' }),
      expect.objectContaining({ Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'], Resource: 'arn:aws:s3:::my-bucket/logs/*' }),
    ]);
    expect(await run(['policy', '--bucket', 'my-bucket', '--principal', 'me'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/\/principalArn: "me" is invalid: is not an ARN\. Give the ARN of the role or user/) });
  });
});

describe('sluice serve --print-config', () => {
  it('shows the effective config with defaults, secrets read from the environment and masked', async () => {
    const file = writeConfig({ listen: { port: 9000 }, auth: { tokens: ['${SLUICE_TOKEN}'] }, s3: { region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLEKEY12345', secretAccessKey: '${AWS_SECRET}' } } });
    const { code, stdout } = await run(['serve', '--config', file, '--print-config'], { SLUICE_TOKEN: 'tok-abcdefghijklmnopqrstuvwxyz', AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/abcdefghijklmnop|wJalrXUtnFEMI|AKIAEXAMPLEKEY12345/);
    const printed = JSON.parse(stdout);
    expect(printed.auth.tokens).toEqual(['***(30 characters)']);
    expect(printed.s3.credentials.secretAccessKey).toBe('***(40 characters)');
    expect(printed).toMatchObject({ listen: { host: '127.0.0.1', port: 9000 }, spool: { type: 'file', directory: '.sluice/spool', fsync: 'interval' }, limits: { bodyBytes: 16777216 }, inspector: { recentEvents: 1000 } });
  });

  it('names the bad key, its value, the rule and the fix (exit code 2)', async () => {
    const file = writeConfig({ limits: { bodyBytes: 'big' }, s3: { partSizeBytes: 1 }, spool: { typo: 1 } });
    const { code, stderr } = await run(['serve', '--config', file, '--print-config']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/\/limits\/bodyBytes: "big" is invalid: must be integer/);
    expect(stderr).toMatch(/\/s3\/partSizeBytes: 1 is invalid: must be >= 5242880\. S3 requires parts of at least 5 MiB/);
    expect(stderr).toMatch(/\/spool\/typo: is not a known option \(known: type, directory, fsync, fsyncIntervalMs\)/);
  });

  it('names an unset environment variable, and refuses a non-loopback address without tokens', async () => {
    const missing = await run(['serve', '--config', writeConfig({ auth: { tokens: ['${NOPE}'] } }), '--print-config']);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/\/auth\/tokens\/0: "\$\{NOPE\}" is invalid: names the environment variable NOPE, which is not set\. Set NOPE/) });
    const open = await run(['serve', '--config', writeConfig({}), '--host', '0.0.0.0', '--print-config']);
    expect(open).toMatchObject({ code: 2, stderr: expect.stringMatching(/listen.host 0.0.0.0 is reachable from other machines and auth.tokens is empty/) });
    writeFileSync(path.join(folder, 'broken.json'), '{"listen": ');
    const notJson = await run(['serve', '--config', 'broken.json', '--print-config']);
    expect(notJson).toMatchObject({ code: 2, stderr: expect.stringMatching(/broken.json is not valid JSON/) });
  });
});

describe('sluice dead-letters and replay', () => {
  function spoolWithDeadLetters(count: number): string {
    const directory = path.join(folder, 'spool');
    const spool = new FileSpool(parseFileSpoolOptions({ directory }), new ManualClock(), new RecordingLogger());
    for (let i = 0; i < count; i += 1) {
      const batch = spool.open(batchMeta(`batch-${i}`, { prefix: `p${i}` }));
      batch.append('{"n":1}\n');
      batch.deadLetter({ at: 0, code: 'AccessDenied', message: 'Access Denied', attempts: 7, firstFailureAt: 0 });
    }
    spool.close();
    return directory;
  }

  it('lists dead letters with their reasons (exit code 3), and none with exit code 0', async () => {
    const directory = spoolWithDeadLetters(2);
    const { code, stdout } = await run(['dead-letters', '--spool', directory]);
    expect(code).toBe(3);
    expect(stdout).toMatch(/^2 dead letter\(s\) in /);
    expect(stdout).toMatch(/batch-0 {2}s3:\/\/b\/p0\/ .* AccessDenied: Access Denied \(7 attempts/);
    expect(stdout).toMatch(/Replay them with: sluice replay --spool /);
  });

  it('replays with one plain line per batch when piped, and a progress bar on a terminal', async () => {
    const directory = spoolWithDeadLetters(3);
    const piped = await run(['replay', '--spool', directory, '--id', 'batch-1']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^replayed batch-1 {2}s3:\/\/b\/p1\/ {2}\d+ bytes\n1 dead letter\(s\) moved back to pending/);
    const tty = await run(['replay', '--spool', directory], {}, true);
    expect(tty.stdout).toMatch(/\r\[#+\] 2\/2 dead letters replayed\n/);
    expect(listSpool(directory)).toMatchObject({ dead: [], pending: [{}, {}, {}] });
    expect(await run(['replay', '--spool', directory, '--id', 'nope'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no dead letter nope/) });
  });

  it('reads the spool folder from the config, and names a folder that is not a spool', async () => {
    const file = writeConfig({ spool: { directory: 'spool' } });
    spoolWithDeadLetters(1);
    expect((await run(['dead-letters', '--config', file])).code).toBe(3);
    expect(await run(['dead-letters', '--spool', folder])).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not a spool folder/) });
  });
});
