import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, EqualityFilter, InvalidCredentialsError, NoSuchObjectError } from 'ldapts';
import type { Role } from '../../core/actor.js';
import { LazaretError } from '../../core/errors.js';

/** The `auth.ldap` settings this client reads (see src/config/config-schema.ts). */
export interface LdapSettings {
  url: string;
  startTls: boolean;
  caFile?: string | undefined;
  bindDn?: string | undefined;
  bindPasswordFile?: string | undefined;
  userBase: string;
  userFilter: string;
  disabledFilter?: string | undefined;
  addressAttributes: readonly string[];
  adminGroups: readonly string[];
  domainAdminGroups: readonly string[];
  timeoutMs: number;
}

/** What the directory says about one person: who they are and what they may see. */
export interface DirectoryPerson {
  dn: string;
  displayName: string;
  role: Role;
  domains: string[];
  /** Primary first, lower-cased, without duplicates. */
  addresses: string[];
  disabled: boolean;
}

/** Answer of a password check: the person, or why not (no such entry, or a wrong password). */
export type DirectoryAnswer =
  | { outcome: 'ok'; person: DirectoryPerson }
  | { outcome: 'unknown' }
  | { outcome: 'wrong_password'; person: DirectoryPerson };

/** Password sign-in against a directory; the seam `login` uses. */
export interface PasswordDirectory {
  readonly method: 'ldap';
  readonly provider: string;
  /** Finds the entry of `email` with the service account, then binds as it with `password`. */
  checkPassword(email: string, password: string): Promise<DirectoryAnswer>;
  /** The person of `email` as the directory describes them now, or null when it has no (single) entry. */
  findPerson(email: string): Promise<DirectoryPerson | null>;
  /** The person of the entry `dn` as the directory describes them now, or null when it has no such entry. */
  findEntry(dn: string): Promise<DirectoryPerson | null>;
}

function readSetting(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new LazaretError('config_invalid', `${key}: cannot read ${path}: ${(error as Error).message}`, {
      key,
    });
  }
}

function directoryError(message: string, cause: unknown): LazaretError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LazaretError('directory_unavailable', `${message}: ${detail}`);
}

/** Values of an attribute as strings, whatever its case in the entry. */
function valuesOf(entry: Record<string, unknown>, attribute: string): string[] {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : String(item)));
}

/**
 * The addresses in an entry's address attributes: `SMTP:` (primary) and `smtp:` values of
 * proxyAddresses lose their prefix, other prefixed values (`x500:`, `sip:`) are not mail addresses.
 */
export function addressesOf(entry: Record<string, unknown>, attributes: readonly string[]): string[] {
  const primary: string[] = [];
  const rest: string[] = [];
  for (const attribute of attributes) {
    for (const raw of valuesOf(entry, attribute)) {
      const prefixed = /^([a-z0-9]+):(.*)$/i.exec(raw);
      if (prefixed && prefixed[1]!.toLowerCase() !== 'smtp') continue;
      const address = (prefixed ? prefixed[2]! : raw).trim().toLowerCase();
      if (!address.includes('@')) continue;
      (prefixed?.[1] === 'SMTP' ? primary : rest).push(address);
    }
  }
  return [...new Set([...primary, ...rest])];
}

/** `{email}` in a configured filter, replaced by the value escaped as RFC 4515 asks. */
export function fillFilter(template: string, email: string): string {
  const escaped = new EqualityFilter({ attribute: 'mail', value: email }).escape(email);
  return template.replaceAll('{email}', escaped);
}

/** `domain:group DN` entries of auth.ldap.domainAdminGroups. */
export function parseDomainGroups(entries: readonly string[]): { domain: string; group: string }[] {
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const domain = entry.slice(0, colon).trim().toLowerCase();
    const group = entry.slice(colon + 1).trim();
    if (colon <= 0 || !domain || !group) {
      throw new LazaretError(
        'config_invalid',
        `auth.ldap.domainAdminGroups: ${JSON.stringify(entry)} is not "domain:group DN".`,
      );
    }
    return { domain, group };
  });
}

/** Password sign-in against an LDAP server or Active Directory, with ldapts: search with a service account, then bind. */
export class LdapDirectory implements PasswordDirectory {
  readonly method = 'ldap' as const;
  readonly provider: string;
  private readonly tls: ConnectionOptions;
  private readonly bindPassword: string;
  private readonly domainGroups: { domain: string; group: string }[];
  private readonly hostname: string;

  constructor(private readonly settings: LdapSettings) {
    const url = new URL(settings.url);
    if (settings.startTls && url.protocol.toLowerCase() === 'ldaps:') {
      throw new LazaretError(
        'config_invalid',
        'auth.ldap.startTls: an ldaps:// connection is TLS already; use ldap:// with StartTLS, or leave startTls off.',
        { key: 'auth.ldap.startTls' },
      );
    }
    this.provider = url.host;
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.tls = settings.caFile ? { ca: readSetting('auth.ldap.caFile', settings.caFile) } : {};
    this.bindPassword = settings.bindPasswordFile
      ? readSetting('auth.ldap.bindPasswordFile', settings.bindPasswordFile)
          .toString('utf8')
          .replace(/\r?\n$/, '')
      : '';
    this.domainGroups = parseDomainGroups(settings.domainAdminGroups);
  }

  /**
   * A new connection, TLS from the start (ldaps) or after StartTLS. Each gets its own copy of the TLS
   * options: ldapts writes the plain socket into them. StartTLS is told the host, which it would
   * otherwise check the certificate against as `localhost`.
   */
  private async open(): Promise<Client> {
    const client = new Client({
      url: this.settings.url,
      timeout: this.settings.timeoutMs,
      connectTimeout: this.settings.timeoutMs,
      // ldapts speaks TLS from the first byte whenever it is given TLS options, whatever the URL.
      ...(this.settings.url.toLowerCase().startsWith('ldaps:') ? { tlsOptions: { ...this.tls } } : {}),
    });
    if (this.settings.startTls) {
      try {
        await client.startTLS({ ...this.tls, host: this.hostname });
      } catch (error) {
        await client.unbind().catch(() => undefined);
        throw error;
      }
    }
    return client;
  }

  private async connect(): Promise<Client> {
    let client: Client | undefined;
    try {
      client = await this.open();
      if (this.settings.bindDn) await client.bind(this.settings.bindDn, this.bindPassword);
    } catch (error) {
      await client?.unbind().catch(() => undefined);
      throw directoryError('The directory refused the service account or its TLS', error);
    }
    return client;
  }

  private async isMember(client: Client, group: string, dn: string): Promise<boolean> {
    const member = new EqualityFilter({ attribute: 'member', value: dn }).toString();
    const unique = new EqualityFilter({ attribute: 'uniqueMember', value: dn }).toString();
    try {
      const { searchEntries } = await client.search(group, {
        scope: 'base',
        filter: `(|${member}${unique})`,
        attributes: ['dn'],
      });
      return searchEntries.length > 0;
    } catch {
      return false;
    }
  }

  private async isDisabled(client: Client, dn: string): Promise<boolean> {
    if (!this.settings.disabledFilter) return false;
    const { searchEntries } = await client.search(dn, {
      scope: 'base',
      filter: this.settings.disabledFilter,
      attributes: ['dn'],
    });
    return searchEntries.length > 0;
  }

  /** Admin when in an admin group; else domain admin of the domains whose groups list them; else user. */
  private async access(client: Client, dn: string): Promise<{ role: Role; domains: string[] }> {
    for (const group of this.settings.adminGroups) {
      if (await this.isMember(client, group, dn)) return { role: 'admin', domains: [] };
    }
    const domains = new Set<string>();
    for (const { domain, group } of this.domainGroups) {
      if (await this.isMember(client, group, dn)) domains.add(domain);
    }
    return domains.size > 0 ? { role: 'domain_admin', domains: [...domains] } : { role: 'user', domains: [] };
  }

  private async describe(client: Client, entry: Record<string, unknown> & { dn: string }) {
    const addresses = addressesOf(entry, this.settings.addressAttributes);
    const name = valuesOf(entry, 'displayName')[0] ?? valuesOf(entry, 'cn')[0] ?? addresses[0] ?? entry.dn;
    const { role, domains } = await this.access(client, entry.dn);
    return {
      dn: entry.dn,
      displayName: name,
      role,
      domains,
      addresses,
      disabled: await this.isDisabled(client, entry.dn),
    } satisfies DirectoryPerson;
  }

  /** The attributes `describe` reads of a person's entry. */
  private personAttributes(): string[] {
    return ['displayName', 'cn', ...this.settings.addressAttributes];
  }

  /** The one entry the user filter finds for `email`, described; null for none or several. */
  private async lookup(client: Client, email: string): Promise<DirectoryPerson | null> {
    let entries: (Record<string, unknown> & { dn: string })[];
    try {
      const answer = await client.search(this.settings.userBase, {
        scope: 'sub',
        filter: fillFilter(this.settings.userFilter, email),
        attributes: this.personAttributes(),
        sizeLimit: 2,
      });
      entries = answer.searchEntries;
    } catch (error) {
      throw directoryError('The directory search failed', error);
    }
    // None, or an ambiguous filter: nobody is signed in as someone they might not be.
    return entries.length === 1 ? await this.describe(client, entries[0]!) : null;
  }

  /** Connects (TLS checked) and binds as the service account, then leaves: `lazaret doctor`'s check. */
  async probe(): Promise<void> {
    const client = await this.connect();
    await client.unbind().catch(() => undefined);
  }

  async findPerson(email: string): Promise<DirectoryPerson | null> {
    const client = await this.connect();
    try {
      return await this.lookup(client, email);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async findEntry(dn: string): Promise<DirectoryPerson | null> {
    const client = await this.connect();
    try {
      let entries: (Record<string, unknown> & { dn: string })[];
      try {
        const answer = await client.search(dn, {
          scope: 'base',
          filter: '(objectClass=*)',
          attributes: this.personAttributes(),
        });
        entries = answer.searchEntries;
      } catch (error) {
        if (error instanceof NoSuchObjectError) return null;
        throw directoryError('The directory search failed', error);
      }
      return entries.length === 1 ? await this.describe(client, entries[0]!) : null;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async checkPassword(email: string, password: string): Promise<DirectoryAnswer> {
    const client = await this.connect();
    let person: DirectoryPerson | null;
    try {
      person = await this.lookup(client, email);
    } finally {
      await client.unbind().catch(() => undefined);
    }
    if (!person) return { outcome: 'unknown' };
    // An empty password would be an unauthenticated bind, which servers accept (RFC 4513 5.1.2).
    if (password === '') return { outcome: 'wrong_password', person };
    let userClient: Client | undefined;
    try {
      userClient = await this.open();
      await userClient.bind(person.dn, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return { outcome: 'wrong_password', person };
      throw directoryError('The directory bind failed', error);
    } finally {
      await userClient?.unbind().catch(() => undefined);
    }
    return { outcome: 'ok', person };
  }
}

/** The directory of `auth.ldap`, or undefined when no `auth.ldap.url` is set. */
export function directoryFromConfig(ldap: LdapSettingsInConfig): LdapDirectory | undefined {
  return ldap.url ? new LdapDirectory({ ...ldap, url: ldap.url }) : undefined;
}

type LdapSettingsInConfig = Omit<LdapSettings, 'url'> & { url?: string | undefined };
