/** Where progress is written: a terminal gets a bar redrawn in place, a pipe plain lines. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * A progress bar on a terminal (`[#####-----] 12/40 label`, redrawn in place), and one plain
 * line per item when the output is piped, so logs and scripts get something to read.
 */
export class ProgressBar {
  #done = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly total: number,
    private readonly label: string,
  ) {}

  /** Counts `items` done; `line` is what a pipe gets for each. */
  tick(lines: readonly string[]): void {
    this.#done += lines.length;
    if (!this.out.isTTY) {
      for (const line of lines) this.out.write(`${line}\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 30 - this.label.length));
    const filled = this.total === 0 ? width : Math.round((this.#done / this.total) * width);
    this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.#done}/${this.total} ${this.label}`);
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
