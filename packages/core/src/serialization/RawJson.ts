import { SerializationError } from '../errors/SerializationError.js';
import { compactJson, scanJsonValue, skipJsonWhitespace, type JsonScan } from './scanJson.js';
import { scanJsonBytes, type JsonBytesScan } from './scanJsonBytes.js';

// Kept between reads: the values of one text share its search for escapes (it holds that one text).
const scan: JsonScan = { spaced: false, text: '', specialFrom: 0, special: 0 };
const scanBytes: JsonBytesScan = { spaced: false };

/**
 * A payload that is already JSON text, proven valid when it was made: send it as `payload`
 * and a JSON serializer (the S3 destination's NDJSON) stores the text as it is, without
 * parsing and writing it again. Made only by {@link RawJson.from} and {@link RawJson.read},
 * which accept exactly what `JSON.parse` accepts and drop the whitespace between tokens, so
 * the text is always one JSON value on one line.
 *
 * What is stored is the text as given, byte for byte, less that whitespace: numbers keep
 * their spelling (`1.0` stays `1.0`), escapes stay escapes, object keys keep their order
 * and repeats. A reader parsing it gets what `JSON.parse(text)` gives.
 *
 * Anything else that looks at the payload sees the parsed value: `JSON.stringify` (through
 * `toJSON`), {@link PayloadFieldEventTime}, and {@link RawJson.value} on request.
 */
export class RawJson {
  private constructor(
    /** The JSON text: one valid value, no whitespace between tokens, no line break. */
    readonly json: string,
  ) {}

  /**
   * The JSON value `text` holds (whitespace around it allowed). Throws SerializationError
   * (SLUICE_UNSERIALIZABLE) if `text` is not exactly one valid JSON value.
   */
  static from(text: string): RawJson {
    const start = skipJsonWhitespace(text, 0, text.length);
    const read = RawJson.read(text, start, text.length);
    if (read === undefined || skipJsonWhitespace(text, read.end, text.length) !== text.length) {
      throw new SerializationError('The payload text is not one valid JSON value. Send JSON text (RFC 8259), or send the value itself as the payload.');
    }
    return read.value;
  }

  /**
   * The JSON value that starts exactly at `start` of `text` and ends by `end` (default: the
   * text's end): the value and the index just after it, or undefined if no valid JSON value
   * starts there. Made to take a value out of a larger text without copying it: the value
   * may share the larger text's memory; keep {@link RawJson.detached} copies of values held
   * long.
   */
  static read(text: string, start: number, end = text.length): { value: RawJson; end: number } | undefined {
    const after = scanJsonValue(text, start, end, scan);
    if (after < 0) return undefined;
    return { value: new RawJson(scan.spaced ? compactJson(text, start, after) : text.slice(start, after)), end: after };
  }

  /**
   * {@link RawJson.read} over bytes of ASCII text (a request body, say): the value that
   * starts exactly at `start` of `bytes` and ends by `end`, and the index just after it; or
   * undefined if no valid JSON value starts there or it holds a byte over 0x7f (decode such
   * text and use `read`). The value's text is a string of its own, holding no reference to
   * `bytes`.
   */
  static readAscii(bytes: Buffer, start: number, end = bytes.length): { value: RawJson; end: number } | undefined {
    const after = scanJsonBytes(bytes, start, end, scanBytes);
    if (after < 0) return undefined;
    const text = bytes.toString('latin1', start, after);
    return { value: new RawJson(scanBytes.spaced ? compactJson(text, 0, text.length) : text), end: after };
  }

  /** The same value in a string of its own, holding no larger text it was read from in memory. */
  detached(): RawJson {
    // Flattening the concatenation copies the characters; the slice then points into the copy.
    return new RawJson(` ${this.json}`.slice(1));
  }

  /** The parsed value (parsed on each call). */
  value(): unknown {
    return JSON.parse(this.json);
  }

  /** What `JSON.stringify` writes for a RawJson: the value it holds. */
  toJSON(): unknown {
    return this.value();
  }
}
