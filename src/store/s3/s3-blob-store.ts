import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { eachLimited } from '../../core/each-limited.js';
import { LazaretError } from '../../core/errors.js';
import { awsErrorName, awsStoreError } from '../aws/aws-errors.js';
import { ThrottleMonitor } from '../aws/throttle-monitor.js';
import { bodyStream, measuringStream } from '../blob-measure.js';
import type { BlobStore, BlobWriteResult } from '../blob-store.js';

const SAFE_KEY = /^[A-Za-z0-9_-]{4,200}$/;
const MB = 1024 * 1024;
/** Objects deleted at once by deleteMany. */
const DELETE_CONCURRENCY = 16;

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prefix of every object key (default none). */
  prefix?: string | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
  /**
   * `when_supported`: the SDK adds CRC checksums to every upload and checks them on download (AWS S3);
   * `when_required`: only where an API demands one, for S3-compatible services that reject or ignore
   * the newer checksum headers.
   */
  checksums?: 'when_supported' | 'when_required' | undefined;
  /** Bodies up to this size go up in one PUT, larger ones as a multipart upload of such parts (min 5 MB). */
  partSize?: number | undefined;
  /** Parts of one upload in flight at once; each buffers up to partSize bytes. */
  uploadConcurrency?: number | undefined;
  maxAttempts?: number | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  clientConfig?: Partial<S3ClientConfig> | undefined;
  throttle?: ThrottleMonitor | undefined;
}

function notFound(key: string): LazaretError {
  return new LazaretError('not_found', 'The raw message is gone.', { key });
}

function isMissing(error: unknown): boolean {
  const name = awsErrorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}

/**
 * Raw messages as objects `<prefix><last 2 chars of key>/<key>.eml` in an S3 bucket (AWS or any
 * S3-compatible service). The key spread avoids one hot prefix under time-ordered ids. Bodies stream
 * through: a put keeps at most `uploadConcurrency` parts in memory, a get hands out the response stream.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly throttle: ThrottleMonitor;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly uploadConcurrency: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.partSize = Math.max(5 * MB, options.partSize ?? 8 * MB);
    this.uploadConcurrency = options.uploadConcurrency ?? 2;
    const checksums = options.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    this.client = new S3Client({
      retryMode: 'adaptive',
      maxAttempts: options.maxAttempts ?? 5,
      requestChecksumCalculation: checksums,
      responseChecksumValidation: checksums,
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...options.clientConfig,
    });
    this.throttle = options.throttle ?? new ThrottleMonitor();
    this.throttle.attach(this.client, 's3');
  }

  private objectKey(key: string): string {
    if (!SAFE_KEY.test(key)) throw new LazaretError('validation_error', `Invalid blob key: ${key}`);
    return `${this.prefix}${key.slice(-2)}/${key}.eml`;
  }

  /** Fails with `store_not_initialised` when the bucket is missing or out of reach. */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (isMissing(error)) {
        throw new LazaretError(
          'store_not_initialised',
          `The S3 bucket ${this.bucket} does not exist; create it first.`,
          {
            bucket: this.bucket,
          },
        );
      }
      throw awsStoreError('blob bucket check', error);
    }
  }

  async put(key: string, body: Readable | Buffer): Promise<BlobWriteResult> {
    const objectKey = this.objectKey(key);
    const { stream: measure, result } = measuringStream();
    const source = bodyStream(body);
    // A failing source must fail the upload, which then aborts its multipart upload: nothing stays.
    source.on('error', (error) => measure.destroy(error));
    source.pipe(measure);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: measure, ContentType: 'message/rfc822' },
      partSize: this.partSize,
      queueSize: this.uploadConcurrency,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return result();
    } catch (error) {
      source.unpipe(measure);
      measure.destroy();
      throw awsStoreError('blob put', error);
    }
  }

  async get(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (!(output.Body instanceof Readable)) throw new Error('S3 answered without a body stream');
      return output.Body;
    } catch (error) {
      if (isMissing(error)) throw notFound(key);
      throw awsStoreError('blob get', error);
    }
  }

  async exists(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw awsStoreError('blob head', error);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isMissing(error)) return;
      throw awsStoreError('blob delete', error);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    await eachLimited(keys, DELETE_CONCURRENCY, (key) => this.delete(key));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
