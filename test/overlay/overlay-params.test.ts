import { describe, expect, it } from 'vitest';

import { DEFAULT_ACCENT, formatOverlayQuery, parseOverlayParams } from '../../client/src/overlay/overlay-params';
import type { OverlayParams, ParseResult } from '../../client/src/overlay/overlay-params';

const panels = { all: ['status', 'loss', 'recon', 'latent', 'gallery'], shownByDefault: ['status', 'loss', 'recon', 'latent'] };

/** Accepts hex codes and a few names, standing in for CSS.supports in Node. */
function isColor(value: string): boolean {
  return /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value) || ['tomato', 'rebeccapurple'].includes(value);
}

function parse(search: string, hash = ''): ParseResult {
  return parseOverlayParams(search, hash, panels, isColor);
}

function problemsOf(search: string, hash = ''): string[] {
  const result = parse(search, hash);
  if (result.ok) throw new Error(`expected ${search} to be rejected`);
  return result.problems;
}

function paramsOf(search: string): OverlayParams {
  const result = parse(search);
  if (!result.ok) throw new Error(`expected ${search} to parse: ${result.problems.join(' ')}`);
  return result.params;
}

describe('parseOverlayParams', () => {
  it('defaults without parameters', () => {
    expect(paramsOf('')).toEqual({ panels: ['status', 'loss', 'recon', 'latent'], theme: 'dark', scale: 1, accent: DEFAULT_ACCENT });
  });

  it('reads every parameter', () => {
    expect(paramsOf('?panels=loss,gallery&theme=light&scale=1.5&accent=tomato')).toEqual({
      panels: ['loss', 'gallery'],
      theme: 'light',
      scale: 1.5,
      accent: 'tomato',
    });
  });

  it('drops repeats, blanks and case', () => {
    expect(paramsOf('?panels=Loss,,loss, status').panels).toEqual(['loss', 'status']);
  });

  it('names an unknown panel and the valid ones', () => {
    const [problem] = problemsOf('?panels=loss,polls');
    expect(problem).toContain('"polls"');
    expect(problem).toContain('status, loss, recon, latent, gallery');
  });

  it('lists every problem at once', () => {
    expect(problemsOf('?panels=foo&theme=neon&scale=9&accent=nope&pannels=x')).toHaveLength(5);
  });

  it('rejects an empty panel list', () => {
    expect(problemsOf('?panels=')[0]).toMatch(/panels is empty/);
  });

  it.each(['0.2', '2.5', 'abc', '', 'Infinity'])('rejects scale %j', (scale) => {
    expect(problemsOf(`?scale=${scale}`)[0]).toContain(`Invalid scale "${scale}"`);
  });

  it('adds # to a bare hex accent', () => {
    expect(paramsOf('?accent=ff6b6b').accent).toBe('#ff6b6b');
  });

  it('rejects an accent that is no colour', () => {
    expect(problemsOf('?accent=red;background:url(x)')[0]).toContain('Invalid accent "red;background:url(x)"');
  });

  it('explains an accent cut off by #', () => {
    // The browser splits /overlay?accent=#ff0000 into the search ?accent= and the hash #ff0000.
    expect(problemsOf('?accent=', '#ff0000')[0]).toContain('accent=ff0000');
  });

  it('names an unknown parameter', () => {
    expect(problemsOf('?pannels=loss')[0]).toBe('Unknown parameter "pannels". Valid parameters: panels, theme, scale, accent.');
  });
});

describe('formatOverlayQuery', () => {
  it('reads back as the same settings', () => {
    const params: OverlayParams = { panels: ['recon', 'status'], theme: 'light', scale: 0.75, accent: '#e8590c' };
    expect(paramsOf(`?${formatOverlayQuery(params)}`)).toEqual(params);
  });

  it('writes a readable address', () => {
    expect(formatOverlayQuery({ panels: ['loss', 'status'], theme: 'dark', scale: 1, accent: '#4cc2ff' })).toBe('panels=loss,status&theme=dark&scale=1&accent=4cc2ff');
  });

  it('escapes a named accent safely', () => {
    const params: OverlayParams = { panels: ['loss'], theme: 'dark', scale: 1, accent: 'rebeccapurple' };
    expect(paramsOf(`?${formatOverlayQuery(params)}`).accent).toBe('rebeccapurple');
  });
});
