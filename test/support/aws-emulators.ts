import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';

/** s3rver's built-in account; dynalite accepts any credentials. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const EMULATOR_REGION = 'us-east-1';

export interface Emulators {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** s3rver's folder: one sub-folder per bucket. */
  s3Directory: string;
  /** Environment for a `lazaret` child process using both emulators. */
  env(table: string, bucket: string): Record<string, string>;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * dynalite (DynamoDB, in memory) and s3rver (S3, on a temporary folder), both in this process and
 * listening on loopback ports, so that child processes can use them too.
 */
export async function startEmulators(): Promise<Emulators> {
  const dynamo: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  const directory = await mkdtemp(join(tmpdir(), 'lazaret-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await s3rver.run();
  const s3Endpoint = `http://127.0.0.1:${port}`;
  const admin = new S3Client({
    endpoint: s3Endpoint,
    region: EMULATOR_REGION,
    forcePathStyle: true,
    credentials: EMULATOR_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    dynamoEndpoint,
    s3Endpoint,
    s3Directory: directory,
    env: (table, bucket) => ({
      LAZARET_STORE: 'dynamodb',
      LAZARET_BLOBS: 's3',
      LAZARET_AWS_REGION: EMULATOR_REGION,
      LAZARET_DYNAMODB_ENDPOINT: dynamoEndpoint,
      LAZARET_DYNAMODB_TABLE: table,
      LAZARET_S3_ENDPOINT: s3Endpoint,
      LAZARET_S3_BUCKET: bucket,
      LAZARET_S3_FORCE_PATH_STYLE: 'true',
      LAZARET_S3_CHECKSUMS: 'when_required',
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      admin.destroy();
      await s3rver.close();
      dynamo.closeAllConnections();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
