/**
 * HTML bodies that try every way we know to run script or reach the network from a mail preview.
 * `origin` is a server that counts requests (test/support/counting-server.ts); a script that runs sets
 * `window.__lazaretPwned` or opens a dialog. Used by the sanitiser unit tests and, through a real
 * serve process, by the Chromium preview tests.
 */
export interface HostileMail {
  name: string;
  html: (origin: string) => string;
  /** Whether the mail has remote content that "load remote content" should then fetch. */
  remote: boolean;
}

const PWN = 'window.__lazaretPwned=1;alert(1)';

export const HOSTILE_MAILS: HostileMail[] = [
  {
    name: 'script elements',
    remote: false,
    html: (o) =>
      `<p>Hello</p><script>${PWN}</script><script src="${o}/script.js"></script><SCRIPT>${PWN}</SCRIPT><noscript><img src="${o}/noscript.gif"></noscript>`,
  },
  {
    name: 'event handlers',
    remote: false,
    html: () =>
      `<body onload="${PWN}"><img src="x" onerror="${PWN}"><div onmouseover="${PWN}" style="width:100%;height:300px">hover</div><details open ontoggle="${PWN}"><summary>s</summary></details><input autofocus onfocus="${PWN}"></body>`,
  },
  {
    name: 'javascript: URLs',
    remote: false,
    html: () =>
      `<a href="javascript:${PWN}" id="js-link">click me</a><a href="JaVaScRiPt:${PWN}">again</a><a href="&#106;avascript:${PWN}">encoded</a><img src="javascript:${PWN}"><a href="data:text/html,<script>${PWN}</script>">data</a>`,
  },
  {
    name: 'svg onload',
    remote: true,
    html: (o) =>
      `<svg onload="${PWN}"><script>${PWN}</script><image href="${o}/svg-image.png"/></svg><svg><animate onbegin="${PWN}" attributeName="x" dur="1s"/></svg><img src="${o}/after-svg.png">`,
  },
  {
    name: 'iframes, objects and embeds',
    remote: false,
    html: (o) =>
      `<iframe src="${o}/frame.html"></iframe><iframe srcdoc="<script>parent.${PWN}</script>"></iframe><object data="${o}/object.swf"></object><embed src="${o}/embed.swf"><frameset><frame src="${o}/frame2.html"></frameset>`,
  },
  {
    name: 'meta refresh and base href',
    remote: false,
    html: (o) =>
      `<html><head><meta http-equiv="refresh" content="0;url=${o}/refresh"><base href="${o}/base/"><link rel="stylesheet" href="${o}/link.css"><link rel="prefetch" href="${o}/prefetch"><link rel="dns-prefetch" href="${o}"></head><body><p>Base and refresh</p><a href="relative.html">relative</a></body></html>`,
  },
  {
    name: 'forms',
    remote: false,
    html: (o) =>
      `<form action="${o}/submit" method="post"><input name="password" type="password" value="x"><button type="submit" id="submit">Log in</button><input type="image" src="${o}/input-image.png"></form><button formaction="${o}/formaction">Other</button>`,
  },
  {
    name: 'CSS url() and @import',
    remote: true,
    html: (o) =>
      `<html><head><style>@import url("${o}/import.css"); @import '${o}/import2.css'; body { background: url(${o}/body-bg.png); } @font-face { font-family: x; src: url(${o}/font.woff); } p { font-family: x; } .e { background: \\75 rl(${o}/escaped.png); }</style></head><body style="background-image: url('${o}/inline-bg.png')"><p class="e" style="background: url(&quot;${o}/p-bg.png&quot;)">styled</p><div style="cursor: url(${o}/cursor.cur), auto; list-style-image: url(${o}/list.png)">c</div><table background="${o}/table-bg.png"><tr><td background="${o}/td-bg.png">cell</td></tr></table></body></html>`,
  },
  {
    name: 'srcset and pictures',
    remote: true,
    html: (o) =>
      `<img src="${o}/src.png" srcset="${o}/srcset-1x.png 1x, ${o}/srcset-2x.png 2x" alt="pic"><picture><source srcset="${o}/source.webp"><img src="${o}/picture.png"></picture><video poster="${o}/poster.png" src="${o}/video.mp4" autoplay></video><audio src="${o}/audio.mp3" autoplay></audio>`,
  },
  {
    name: 'tracking pixels',
    remote: true,
    html: (o) =>
      `<p>Newsletter</p><img src="${o}/pixel.gif?u=victim" width="1" height="1"><img src="${o.replace(/^http:/, '')}/protocol-relative.gif"><img src="${o}/pixel2.gif" style="display:none"><div style="background-image:url(${o}/div-pixel.gif);width:1px;height:1px"></div>`,
  },
];

/** Wraps a hostile HTML body into a complete multipart message with a plain text alternative. */
export function hostileMessage(
  mail: HostileMail,
  origin: string,
  from = 'attacker@evil.test',
  to = 'victim@corp.test',
): string {
  const boundary = 'lazaret-hostile-boundary';
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: Hostile: ${mail.name}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Plain text of ${mail.name}. Visit ${origin}/text-link`,
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    mail.html(origin),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
