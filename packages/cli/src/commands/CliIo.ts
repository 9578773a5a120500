/** Where a command reads its environment and writes its output. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  /** The folder relative paths are resolved from. */
  readonly cwd: string;
}
