/**
 * The parameters of `send.s3()` besides `payload` and `id`. Bucket names follow S3's rules
 * for general purpose buckets; prefixes are limited to characters that are safe in keys and
 * URLs, with room left in S3's 1,024-byte key limit for the time path and identifier.
 */
export const s3ParamsSchema = {
  properties: {
    bucket: {
      type: 'string',
      description: 'Name of the bucket to write to.',
      'x-fix':
        'S3 bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, have no two adjacent dots, are not an IP address, and do not start with xn--, sthree- or amzn-s3-demo- nor end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3.',
      allOf: [
        { minLength: 3, maxLength: 63 },
        { pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$' },
        { not: { pattern: '\\.\\.' } },
        { not: { pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$' } },
        { not: { pattern: '^(xn--|sthree-|amzn-s3-demo-)' } },
        { not: { pattern: '(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$' } },
      ],
    },
    prefix: {
      type: 'string',
      default: '',
      maxLength: 900,
      description: 'Folder of the objects in the bucket; "logs", "logs/" and "/logs/" are the same. Default: the bucket root.',
      'x-fix':
        "Use at most 900 characters of letters, digits and ! - _ . * ' ( ) / = + , : @ & $ ; with no '.' or '..' folder.",
      allOf: [{ pattern: "^[A-Za-z0-9!_.*'()/=+,:@&$;-]*$" }, { not: { pattern: '(^|/)\\.{1,2}(/|$)' } }],
    },
  },
  required: ['bucket'],
} as const;
