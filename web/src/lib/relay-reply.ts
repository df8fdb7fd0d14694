/**
 * Whether a release's recorded reply came from a mail server (an SMTP reply line starts with its
 * three-digit code) or from failing to reach one (a connection or TLS error, a timeout).
 */
export function isServerReply(reply: string): boolean {
  return /^[2-5]\d\d(?:[ -]|$)/.test(reply);
}
