import type { MessageContent } from './message-content.js';
import { type PreviewPart, previewDocument, textPreviewBody } from './preview-document.js';
import { sanitizeEmailHtml } from './sanitize-email-html.js';

export interface RenderedPreview {
  /** The whole HTML document, to be served with `previewCsp(allowRemote)`. */
  document: string;
  /** The part that was rendered: the text part stands in when there is no HTML. */
  part: PreviewPart | 'none';
  blockedRemote: number;
}

/** Renders the chosen part of a message as a safe, self-contained HTML document. */
export function renderPreview(
  content: MessageContent,
  wanted: PreviewPart,
  allowRemote: boolean,
): RenderedPreview {
  const part: PreviewPart | 'none' =
    wanted === 'html' && content.html !== undefined
      ? 'html'
      : content.text !== undefined
        ? 'text'
        : content.html !== undefined
          ? 'html'
          : 'none';
  if (part === 'html') {
    const sanitized = sanitizeEmailHtml(content.html!, { allowRemote, inlineImages: content.inlineImages });
    return { document: previewDocument(sanitized.html), part, blockedRemote: sanitized.blockedRemote };
  }
  if (part === 'text')
    return { document: previewDocument(textPreviewBody(content.text!)), part, blockedRemote: 0 };
  return {
    document: previewDocument('<p><em>This message has no text or HTML part to show.</em></p>'),
    part,
    blockedRemote: 0,
  };
}
