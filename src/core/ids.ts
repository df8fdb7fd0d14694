import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** A new ULID: 26 characters, sortable by creation time, monotonic within this process. */
export function newId(): string {
  return nextUlid();
}

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isId(value: string): boolean {
  return ULID_PATTERN.test(value);
}
