/** A plain-language user error (bad flag value, unreadable file): the CLI prints it and exits with 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
