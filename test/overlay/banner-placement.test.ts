import { describe, expect, it } from 'vitest';

import { bannerPlacement } from '../../client/src/overlay/banner-placement';

const status = { region: 'top-left', width: 60 } as const;
const recon = { region: 'top-right', width: 26 } as const;
const loss = { region: 'bottom-left', width: 40 } as const;
const latent = { region: 'bottom-right', width: 26 } as const;

describe('bannerPlacement', () => {
  it('spans the whole top without panels', () => {
    expect(bannerPlacement([])).toEqual({ edge: 'top', left: 1.5, right: 1.5 });
  });

  it('keeps clear of the top corner stacks', () => {
    expect(bannerPlacement([{ region: 'top-left', width: 20 }, recon, loss, latent])).toEqual({ edge: 'top', left: 22.5, right: 28.5 });
  });

  it('moves to the bottom when the top is fuller', () => {
    expect(bannerPlacement([status, recon, loss, latent])).toEqual({ edge: 'bottom', left: 42.5, right: 28.5 });
  });

  it('measures a corner by its widest panel', () => {
    const narrow = { region: 'bottom-left', width: 10 } as const;
    expect(bannerPlacement([status, loss, narrow])).toEqual({ edge: 'bottom', left: 42.5, right: 1.5 });
  });
});
