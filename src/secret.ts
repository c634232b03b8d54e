import { inspect } from 'node:util';

/**
 * A value that must never reach a log, an error message, job data or a dump. Every way JavaScript
 * has of turning an object into text (String(), JSON.stringify, util.inspect, template literals)
 * yields "[redacted]"; the only way to the value is an explicit reveal() at the place it is sent.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
