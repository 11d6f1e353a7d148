/**
 * `cleanroom hash --email X | --phone Y`: print the UID2-style hash (Base64 of SHA-256 of the normalized value),
 * for partners preparing an audience upload.
 */
import { hashEmail, hashPhone, isIdentityError } from '../../policies/identity/index.ts';

const USAGE = 'usage: cleanroom hash --email ADDRESS | --phone +E164NUMBER\n';

/** Run `cleanroom hash`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [flag, value, ...rest] = argv;
  if ((flag !== '--email' && flag !== '--phone') || value === undefined || rest.length > 0) {
    process.stderr.write(`cleanroom hash: give exactly one --email or --phone value\n${USAGE}`);
    return 2;
  }
  try {
    const hash = flag === '--email' ? hashEmail(value) : hashPhone(value);
    process.stdout.write(`${hash}\n`);
    return 0;
  } catch (error) {
    if (!isIdentityError(error)) throw error;
    const what = flag === '--email' ? 'email' : 'phone';
    process.stderr.write(`cleanroom hash: the ${what} ${error.message}\n`);
    return 1;
  }
}
