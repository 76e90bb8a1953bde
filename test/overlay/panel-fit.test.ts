import { describe, expect, it } from 'vitest';

import { fitProblems } from '../../client/src/overlay/builder/panel-fit';

const status = { title: 'Status', x: 24, y: 24, width: 728, height: 100 };
const loss = { title: 'Loss', x: 24, y: 700, width: 640, height: 356 };
const latent = { title: 'Latent space', x: 1480, y: 700, width: 416, height: 356 };

describe('fitProblems', () => {
  it('accepts panels in their corners', () => {
    expect(fitProblems([status, loss, latent], 1920, 1080)).toEqual([]);
  });

  it('accepts borders that meet', () => {
    const below = { ...loss, y: status.y + status.height };
    expect(fitProblems([status, below], 1920, 1080)).toEqual([]);
  });

  it('names two panels that overlap', () => {
    const wideLoss = { ...loss, width: 1500 };
    expect(fitProblems([status, wideLoss, latent], 1920, 1080)).toEqual(['Loss and Latent space overlap.']);
  });

  it('names the edges a panel passes', () => {
    const huge = { ...latent, width: 900, height: 500 };
    expect(fitProblems([huge], 1920, 1080)).toEqual(['Latent space runs past the right and bottom edges of the 1920×1080 canvas.']);
  });

  it('names a panel above the top', () => {
    expect(fitProblems([{ ...loss, y: -40 }], 1920, 1080)).toEqual(['Loss runs past the top edge of the 1920×1080 canvas.']);
  });
});
