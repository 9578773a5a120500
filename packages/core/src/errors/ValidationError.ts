import { SluiceError } from './SluiceError.js';

/** One broken rule: which field, the value it had (where it may be shown), the rule, and how to fix it. */
export interface ValidationIssue {
  /** JSON-pointer-like path of the field, e.g. `/bucket`; `/` for the whole object. */
  readonly field: string;
  /**
   * How the value is shown: 'value' as it was (a URL without its user name and password),
   * 'masked' as a placeholder such as `[secret string]` (secrets and objects holding them),
   * 'hidden' not at all (unknown options: often a misspelt secret), 'missing' when absent.
   * Default: 'value', or 'missing' when `value` is undefined.
   */
  readonly shown?: 'value' | 'masked' | 'hidden' | 'missing';
  /** The value, or its placeholder when masked; absent when hidden or missing. */
  readonly value?: unknown;
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
        .map((i) => `  - ${i.field}: ${describe(i)}${i.rule}. ${i.fix}`)
        .join('\n')}`,
    );
  }
}

function describe(issue: ValidationIssue): string {
  switch (issue.shown ?? (issue.value === undefined ? 'missing' : 'value')) {
    case 'missing':
      return 'is missing; ';
    case 'hidden':
      return '';
    case 'masked':
      return `${String(issue.value)} is invalid: `;
    case 'value': {
      let text: string;
      try {
        // JSON.stringify gives undefined for undefined, a function or a symbol.
        text = (JSON.stringify as (value: unknown) => string | undefined)(issue.value) ?? Object.prototype.toString.call(issue.value);
      } catch {
        text = Object.prototype.toString.call(issue.value);
      }
      return `${text.length > 80 ? `${text.slice(0, 77)}...` : text} is invalid: `;
    }
  }
}
