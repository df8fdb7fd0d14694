/**
 * What a chart drawn by bench/lib/charts.ts (Vega's SVG renderer) shows, read from its SVG text: the
 * title, the axis titles, the series named in the legend, and how many lines and points are drawn.
 * Vega marks each part with a class (`role-axis-title`, `role-legend-label`) and each drawn line and
 * point with an `aria-roledescription`, so plain text matching is enough.
 */
export interface SvgChart {
  title: string | undefined;
  axisTitles: string[];
  series: string[];
  lines: number;
  points: number;
  /** The accessible description of every point (`x: 10k; y: 900; series: …`). */
  pointLabels: string[];
}

const fromEntities = (text: string) =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

/** The texts of the `<text>` elements inside the mark groups of one role (`role-axis-title` …). */
function textsOf(svg: string, role: string): string[] {
  const texts: string[] = [];
  for (const group of svg.split(`class="mark-text ${role}"`).slice(1)) {
    const end = group.indexOf('</g>');
    for (const match of group.slice(0, end).matchAll(/<text[^>]*>([^<]*)<\/text>/g))
      texts.push(fromEntities(match[1]!));
  }
  return texts;
}

export function readSvgChart(svg: string): SvgChart {
  if (!svg.startsWith('<svg')) throw new Error('not an SVG document');
  const pointTags = [...svg.matchAll(/<path [^>]*aria-roledescription="point"[^>]*>/g)].map(
    (match) => match[0],
  );
  return {
    title: textsOf(svg, 'role-title-text')[0],
    axisTitles: textsOf(svg, 'role-axis-title'),
    series: textsOf(svg, 'role-legend-label'),
    lines: [...svg.matchAll(/aria-roledescription="line mark"/g)].length,
    points: pointTags.length,
    pointLabels: pointTags.map((tag) => fromEntities(/aria-label="([^"]*)"/.exec(tag)?.[1] ?? '')),
  };
}
