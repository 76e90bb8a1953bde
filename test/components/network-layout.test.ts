import { describe, expect, it } from 'vitest';

import { describeArchitecture, latentLayerIndex, layerRoles, layoutDiagram, sampleUnits } from '../../client/src/components/network-layout';

describe('sampleUnits', () => {
  it('keeps every unit of a narrow layer', () => {
    expect(sampleUnits(4, 12)).toEqual([0, 1, 2, 3]);
  });

  it('samples a wide layer evenly around an ellipsis', () => {
    const slots = sampleUnits(784, 12);
    expect(slots).toHaveLength(12);
    expect(slots[0]).toBe(0);
    expect(slots.at(-1)).toBe(783);
    expect(slots.filter((slot) => slot === null)).toHaveLength(1);
    const units = slots.filter((slot): slot is number => slot !== null);
    expect(units).toEqual([...units].sort((a, b) => a - b));
  });
});

describe('architecture', () => {
  it('finds the latent layer of a deep model', () => {
    expect(latentLayerIndex([784, 256, 64, 8, 64, 256, 784])).toBe(3);
    expect(layerRoles([784, 8, 784])).toEqual(['input', 'latent', 'output']);
  });

  it('takes the latent layer it is given', () => {
    expect(layerRoles([784, 4, 3, 3, 196, 4, 784], 2)).toEqual(['input', 'hidden', 'latent', 'hidden', 'hidden', 'hidden', 'output']);
  });

  it('describes a dense model in words', () => {
    expect(describeArchitecture([784, 8, 784])).toBe('An autoencoder: 784 input pixels, a latent vector of 8 values, then 784 output pixels.');
  });

  it('describes the hidden layers of a deep model', () => {
    expect(describeArchitecture([784, 256, 128, 8, 128, 256, 784])).toBe(
      'An autoencoder: 784 input pixels, a latent vector of 8 values, then 784 output pixels. ' +
        'The encoder has hidden layers of 256 and 128 units. The decoder has hidden layers of 128 and 256 units.',
    );
  });
});

describe('layoutDiagram', () => {
  const slots = [sampleUnits(784, 12), sampleUnits(8, 12), sampleUnits(784, 12)];

  it('fills the given width with columns', () => {
    const layout = layoutDiagram(slots, 'horizontal', 800);
    expect(layout.width).toBe(800);
    const columns = layout.units.map((layer) => layer[0].x);
    expect(columns[1] - columns[0]).toBe(columns[2] - columns[1]);
    expect(columns[0]).toBeGreaterThan(0);
    expect(columns[2]).toBeLessThan(800);
  });

  it('stacks layers as rows when vertical', () => {
    const layout = layoutDiagram(slots, 'vertical', 340);
    const rows = layout.units.map((layer) => layer[0].y);
    expect(rows[0]).toBeLessThan(rows[1]);
    expect(Math.max(...layout.units.flat().map((point) => point.x))).toBeLessThanOrEqual(340);
  });
});
