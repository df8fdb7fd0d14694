// A process that ingests one message into DynamoDB + S3 and is killed (SIGKILL, by itself) after
// `CRASH_AFTER_ITEMS` item writes, between the item writes and the commit marker. Built code (dist/),
// as `lazaret serve` would run it. Prints one JSON line with the ids before it dies.
import { Readable } from 'node:stream';
import pino from 'pino';
import { ingestMessage } from '../../dist/ingest/ingest-message.js';
import { connectDynamo } from '../../dist/store/dynamodb/dynamo-client.js';
import { DynamoItemStore } from '../../dist/store/dynamodb/dynamo-item-store.js';
import { S3BlobStore } from '../../dist/store/s3/s3-blob-store.js';

const env = process.env;
const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
const region = env.LAZARET_AWS_REGION;
const crashAfter = Number(env.CRASH_AFTER_ITEMS);
const recipients = env.RECIPIENTS.split(',');

const blobs = new S3BlobStore({
  bucket: env.LAZARET_S3_BUCKET,
  endpoint: env.LAZARET_S3_ENDPOINT,
  region,
  credentials,
  forcePathStyle: true,
  checksums: 'when_required',
});
const items = new DynamoItemStore({
  connection: connectDynamo({
    table: env.LAZARET_DYNAMODB_TABLE,
    endpoint: env.LAZARET_DYNAMODB_ENDPOINT,
    region,
    credentials,
  }),
  itemBatchSize: 1,
  afterItemWrites: (written) => {
    if (written < crashAfter) return;
    process.stdout.write(`${JSON.stringify({ event: 'DYING', written })}\n`);
    process.kill(process.pid, 'SIGKILL');
  },
});
const original = items.putMessage.bind(items);
items.putMessage = (message, list) => {
  const ids = { messageId: message.id, itemIds: list.map((item) => item.id) };
  process.stdout.write(`${JSON.stringify({ event: 'WRITING', ...ids })}\n`);
  return original(message, list);
};

await ingestMessage(
  { items, blobs, logger: pino({ level: 'silent' }), now: () => new Date() },
  {
    body: Readable.from([Buffer.from('From: a@sender.test\r\nSubject: Crash test\r\n\r\nBody\r\n')]),
    envelope: { mailFrom: 'a@sender.test', rcptTo: recipients },
  },
);
process.stdout.write(`${JSON.stringify({ event: 'SURVIVED' })}\n`);
