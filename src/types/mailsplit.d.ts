declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface MailsplitHeaders {
    getFirst(key: string): string;
    get(key: string): string[];
    hasHeader(key: string): boolean;
  }

  export interface MailsplitNode {
    type: 'node';
    root: boolean;
    contentType: string | false;
    disposition: 'attachment' | 'inline' | false;
    filename: string | false;
    multipart: string | false;
    encoding: string | false;
    headers: MailsplitHeaders;
    getHeaders(): Buffer;
  }

  export interface MailsplitChunk {
    type: 'data' | 'body';
    value: Buffer;
  }

  export class Splitter extends Transform {
    constructor(options?: { ignoreEmbedded?: boolean; maxHeadSize?: number; maxChildNodes?: number });
  }
}
