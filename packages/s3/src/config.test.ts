import { inspect } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@sluice/core';
import { parseS3Options } from './config.js';
import { s3Module } from './di/s3Module.js';

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENxyz0123456789';
const credentials = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN };

/** Everything a person or a log could see of an error. */
function everythingShown(error: unknown): string {
  const e = error as ValidationError;
  return [e.message, String(e), JSON.stringify(e), JSON.stringify(e.issues), inspect(e, { depth: 10 })].join('\n');
}

describe('s3Module() options', () => {
  describe('never show a credential', () => {
    const badConfigs: Array<[string, Record<string, unknown>]> = [
      ['a typo of credentials', { credential: credentials }],
      ['credentials capitalised', { Credentials: credentials }],
      ['credential fields at the top level', { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN }],
      ['session_token inside credentials', { credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, session_token: TOKEN } }],
      ['secret_access_key inside credentials', { credentials: { accessKeyId: ACCESS_KEY_ID, secret_access_key: SECRET } }],
      ['an extra nested object inside credentials', { credentials: { ...credentials, extra: { copy: SECRET, token: TOKEN } } }],
      ['a number for the access key id', { credentials: { accessKeyId: 42, secretAccessKey: SECRET, sessionToken: TOKEN } }],
      ['an empty access key id', { credentials: { accessKeyId: '', secretAccessKey: SECRET } }],
      ['an array for the secret', { credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: [SECRET] } }],
      ['an object for the secret', { credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: { value: SECRET } } }],
      ['a number for the session token', { credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: 7 } }],
      ['an object for the session token', { credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: { TOKEN } } }],
      ['a missing secret', { credentials: { accessKeyId: ACCESS_KEY_ID, sessionToken: TOKEN } }],
      ['credentials as one string', { credentials: `${ACCESS_KEY_ID}:${SECRET}` }],
      ['credentials as an array', { credentials: [ACCESS_KEY_ID, SECRET, TOKEN] }],
      ['a string for the expiration', { credentials: { ...credentials, expiration: TOKEN } }],
      ['credentials in the endpoint URL', { endpoint: `http://${ACCESS_KEY_ID}:${SECRET}@127.0.0.1:9000` }],
      ['credentials in a bad endpoint URL', { endpoint: `htp://${ACCESS_KEY_ID}:${SECRET}@127.0.0.1:9000` }],
      ['a token in the endpoint user name', { endpoint: `https://${TOKEN}@s3.example.com` }],
      ['valid credentials beside another mistake', { credentials, partSizeBytes: 1 }],
    ];
    for (const [name, options] of badConfigs) {
      it(`rejects ${name} without printing a key, secret or token`, () => {
        let thrown: unknown;
        try {
          s3Module(options);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ValidationError);
        const shown = everythingShown(thrown);
        for (const secret of [ACCESS_KEY_ID, SECRET, TOKEN]) {
          expect(shown).not.toContain(secret.slice(0, 8));
        }
      });
    }

    it('still says which field is wrong and why', () => {
      expect(() => s3Module({ credential: credentials } as never)).toThrow(/\/credential: is not a known option \(known: region, endpoint/);
      expect(() => s3Module({ credentials: { ...credentials, session_token: TOKEN } } as never)).toThrow(/\/credentials\/session_token: is not a known option/);
      expect(() => s3Module({ credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 5 } } as never)).toThrow(
        /\/credentials\/secretAccessKey: \[secret number\] is invalid: must be string/,
      );
      expect(() => s3Module({ endpoint: `http://${ACCESS_KEY_ID}:${SECRET}@127.0.0.1:9000` })).toThrow(
        /\/endpoint: "http:\/\/\*\*\*@127\.0\.0\.1:9000" is invalid: .*user name or password/,
      );
    });
  });

  describe('take credentials as the AWS SDK does', () => {
    it('accepts a credentials object the application also gave its own S3Client, which the SDK annotates', async () => {
      const shared = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET };
      const client = new S3Client({ region: 'us-east-1', credentials: shared });
      await client.config.credentials();
      client.destroy();
      expect(Object.keys(shared)).toContain('$source');
      expect(() => s3Module({ credentials: shared })).not.toThrow();
      expect(parseS3Options({ credentials: shared }).credentials).toMatchObject({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    });

    it('accepts the optional fields of temporary credentials', () => {
      const temporary = { ...credentials, expiration: new Date(Date.now() + 3_600_000), credentialScope: 'us-east-1', accountId: '123456789012' };
      expect(parseS3Options({ credentials: temporary }).credentials).toMatchObject({ sessionToken: TOKEN, accountId: '123456789012' });
    });

    it('accepts a credential provider function, as fromIni() returns, and keeps it as given', () => {
      const provider = async () => ({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
      expect(parseS3Options({ credentials: provider }).credentials).toBe(provider);
      expect(() => s3Module({ credentials: provider, partSizeBytes: 8 * 1024 * 1024 })).not.toThrow();
    });
  });
});
