import pino from 'pino';
import { startMilterServer } from './src/milter/milter-server.js';
import { passThroughPolicy } from './src/milter/milter-policy.js';
import { TestMta, frame, u32 } from './test/support/milter-mta.js';
const server = await startMilterServer({ host: '127.0.0.1', port: 0 }, { policy: passThroughPolicy, logger: pino() });
const mta = await TestMta.connect({ port: (server.address() as any).port });
mta.send(frame('O', u32(6), u32(0x1ff), u32(0x1fffff)));
console.log(await mta.next());
await server.close();
