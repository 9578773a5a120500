import { SluiceError } from './SluiceError.js';

/** One broken rule: which field, the value it had, the rule, and how to fix it. */
export interface ValidationIssue {
  /** JSON-pointer-like path of the field, e.g. `/bucket`; `/` for the whole object. */
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
  readonly fix: string;
}

/** Thrown synchronously when options or `send()` parameters break their schema. */
export class ValidationError extends SluiceError {
  constructor(
    /** What was being validated, e.g. `send.s3() parameters`. */
    readonly subject: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(
      'SLUICE_INVALID',
      `Invalid ${subject}:\n${issues
        .map((i) => `  - ${i.field}: ${describe(i.value)} ${i.rule}. ${i.fix}`)
        .join('\n')}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'is missing;';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return `${text.length > 80 ? `${text.slice(0, 77)}...` : text} is invalid:`;
}
