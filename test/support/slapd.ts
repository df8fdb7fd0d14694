import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { findProgram, freePort, waitUntil } from './env.js';

export const SLAPD_PROGRAMS = ['slapd', 'slapadd'] as const;

export const LDAP_BASE = 'dc=example,dc=org';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_BASE}`;
export const LDAP_ROOT_PASSWORD = 'root-secret';
export const LDAP_SERVICE_DN = `cn=lazaret,ou=services,${LDAP_BASE}`;
export const LDAP_SERVICE_PASSWORD = 'service-secret';
export const LDAP_ADMINS_GROUP = `cn=mail-admins,ou=groups,${LDAP_BASE}`;
export const LDAP_EXAMPLE_NET_ADMINS_GROUP = `cn=example-net-admins,ou=groups,${LDAP_BASE}`;

/** The CA (self-signed, CN=localhost, SAN localhost and 127.0.0.1) that signs slapd's LDAPS certificate. */
export const TEST_CA_FILE = fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url));
const TEST_KEY_FILE = fileURLToPath(new URL('../fixtures/tls/key.pem', import.meta.url));

/**
 * The parts of Active Directory's schema that the tests need, with AD's OIDs, so that the Active
 * Directory example of docs/authentication.md runs unchanged: the class `user` (auxiliary here),
 * userPrincipalName, proxyAddresses and userAccountControl, an INTEGER so that AD's bit filter
 * `(userAccountControl:1.2.840.113556.1.4.803:=2)` works (OpenLDAP's integerBitAndMatch has that OID).
 */
const AD_SUBSET_SCHEMA = `attributetype ( 1.2.840.113556.1.2.210 NAME 'proxyAddresses'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' AUXILIARY
  MAY ( proxyAddresses $ userAccountControl $ userPrincipalName $ otherMailbox ) )
`;

export interface TestPerson {
  uid: string;
  password: string;
  mail: string[];
  proxyAddresses?: string[];
  otherMailbox?: string[];
  userAccountControl?: number;
}

/** The small directory every LDAP test starts from. */
export const LDAP_PEOPLE: TestPerson[] = [
  {
    uid: 'alice',
    password: 'alice-password',
    mail: ['alice@example.org'],
    proxyAddresses: ['SMTP:alice@example.org', 'smtp:a.liddell@example.org', 'X500:/o=Example/cn=alice'],
    otherMailbox: ['alice@example.net'],
    userAccountControl: 512,
  },
  { uid: 'bob', password: 'bob-password', mail: ['bob@example.org'], userAccountControl: 512 },
  { uid: 'carol', password: 'carol-password', mail: ['carol@example.org'], userAccountControl: 514 },
  { uid: 'dave', password: 'dave-password', mail: ['dave@example.net'], userAccountControl: 512 },
];

function personLdif(person: TestPerson): string {
  return [
    `dn: uid=${person.uid},ou=people,${LDAP_BASE}`,
    'objectClass: inetOrgPerson',
    'objectClass: user',
    `userPrincipalName: ${person.uid}@corp.example.org`,
    `uid: ${person.uid}`,
    `cn: ${person.uid[0]!.toUpperCase()}${person.uid.slice(1)}`,
    `sn: ${person.uid}`,
    `userPassword: ${person.password}`,
    ...person.mail.map((mail) => `mail: ${mail}`),
    ...(person.proxyAddresses ?? []).map((value) => `proxyAddresses: ${value}`),
    ...(person.otherMailbox ?? []).map((value) => `otherMailbox: ${value}`),
    ...(person.userAccountControl === undefined ? [] : [`userAccountControl: ${person.userAccountControl}`]),
    '',
  ].join('\n');
}

function directoryLdif(): string {
  const people = (uid: string) => `uid=${uid},ou=people,${LDAP_BASE}`;
  return [
    `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n`,
    `dn: ou=people,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: groups\n`,
    `dn: ou=services,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: services\n`,
    `dn: ${LDAP_SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: lazaret\nuserPassword: ${LDAP_SERVICE_PASSWORD}\n`,
    // groupOfNames needs a member: the root's DN keeps the group valid when a test takes bob out.
    `dn: ${LDAP_ADMINS_GROUP}\nobjectClass: groupOfNames\ncn: mail-admins\nmember: ${people('bob')}\nmember: ${LDAP_ROOT_DN}\n`,
    `dn: ${LDAP_EXAMPLE_NET_ADMINS_GROUP}\nobjectClass: groupOfNames\ncn: example-net-admins\nmember: ${people('dave')}\n`,
    ...LDAP_PEOPLE.map(personLdif),
  ].join('\n');
}

export interface Slapd {
  /** `ldap://127.0.0.1:port` (StartTLS offered). */
  ldapUrl: string;
  /** `ldaps://127.0.0.1:port`, with a certificate from TEST_CA_FILE. */
  ldapsUrl: string;
  /** A client bound as the directory's root, to change the directory during a test. */
  admin(): Promise<Client>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A private OpenLDAP slapd in `dir` on loopback ports: LDAP (with StartTLS) and LDAPS with the test
 * CA's certificate, the directory of LDAP_PEOPLE, and ACLs under which nothing is readable without a
 * bind (the service account's search is needed) and passwords only serve to bind.
 */
export async function startSlapd(dir: string): Promise<Slapd> {
  const ldapPort = await freePort();
  const ldapsPort = await freePort();
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dir, 'ad-subset.schema'), AD_SUBSET_SCHEMA);
  const config = join(dir, 'slapd.conf');
  await writeFile(
    config,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `include ${join(dir, 'ad-subset.schema')}`,
      `pidfile ${join(dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `TLSCertificateFile ${TEST_CA_FILE}`,
      `TLSCertificateKeyFile ${TEST_KEY_FILE}`,
      'database mdb',
      `suffix "${LDAP_BASE}"`,
      `rootdn "${LDAP_ROOT_DN}"`,
      `rootpw ${LDAP_ROOT_PASSWORD}`,
      `directory ${dataDir}`,
      'maxsize 104857600',
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by users read by * none',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'directory.ldif'), directoryLdif());
  await promisify(execFile)(findProgram('slapadd')!, ['-f', config, '-l', join(dir, 'directory.ldif')]);
  const child: ChildProcess = spawn(
    findProgram('slapd')!,
    ['-d', '0', '-f', config, '-h', `ldap://127.0.0.1:${ldapPort}/ ldaps://127.0.0.1:${ldapsPort}/`],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
  const admin = async () => {
    const client = new Client({ url: ldapUrl, timeout: 5000, connectTimeout: 5000 });
    await client.bind(LDAP_ROOT_DN, LDAP_ROOT_PASSWORD);
    return client;
  };
  await waitUntil(
    'slapd to answer',
    async () => {
      if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${output}`);
      const client = await admin().catch(() => null);
      await client?.unbind();
      return client !== null;
    },
    30_000,
    100,
  );
  return {
    ldapUrl,
    ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
    admin,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
}
