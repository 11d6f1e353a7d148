import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../../bin/cleanroom', import.meta.url));

async function hash(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cli, ['hash', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('cleanroom hash (a real process)', () => {
  it('prints the UID2 hash of an email and of a phone', async () => {
    expect(await hash(['--email', '  User@Example.COM '])).toMatchObject({
      code: 0,
      stdout: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=\n',
    });
    expect(await hash(['--phone', '+12345678901'])).toMatchObject({
      code: 0,
      stdout: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=\n',
    });
  });

  it('exits non-zero with a clear message on invalid input', async () => {
    const phone = await hash(['--phone', '555-0100']);
    expect(phone.code).toBe(1);
    expect(phone.stdout).toBe('');
    expect(phone.stderr).toContain('not an E.164 phone number');
    const email = await hash(['--email', 'not-an-email']);
    expect(email.code).toBe(1);
    expect(email.stderr).toContain('not a valid email');
    expect((await hash([])).code).toBe(2);
  });
});
