/** Base class of every error Sluice throws; `code` is stable and safe to switch on. */
export class SluiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
