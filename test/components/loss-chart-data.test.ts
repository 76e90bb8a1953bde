import { describe, expect, it } from 'vitest';

import { buildChartData } from '../../client/src/components/loss-chart-data';
import type { ChartDataOptions, LossColumns } from '../../client/src/components/loss-chart-data';
import { lossCsv, LOSS_CSV_HEADER } from '../../client/src/components/loss-export';
import { smoothLosses } from '../../client/src/components/loss-smoothing';
import type { EpochSummary } from '../../shared/training';

const RUN_STARTED_AT = Date.UTC(2025, 0, 1, 12, 0, 0);

/** Steps 1 to `count` with loss 1/step and 100 ms a step. */
function columns(count: number): LossColumns {
  const steps = Float64Array.from({ length: count }, (_, i) => i + 1);
  return { steps, losses: steps.map((step) => 1 / step), elapsedMs: steps.map((step) => step * 100) };
}

function epoch(number: number, step: number, validationLoss: number): EpochSummary {
  return { epoch: number, step, trainLoss: 0, validationLoss, seconds: 1, samplesPerSecond: 1 };
}

const OPTIONS: ChartDataOptions = { xAxis: 'step', yScale: 'linear', runStartedAt: RUN_STARTED_AT, maxPoints: 4000, range: null };

describe('smoothLosses', () => {
  it('returns the losses unchanged at weight 0', () => {
    expect(Array.from(smoothLosses([3, 1, 2], 0))).toEqual([3, 1, 2]);
  });

  it('debiases the start of the average', () => {
    // Without debiasing the first value would be 0.4 × 5 = 2.
    expect(smoothLosses([5, 5, 5], 0.6)[0]).toBeCloseTo(5, 12);
    expect(smoothLosses([5, 5, 5], 0.6)[2]).toBeCloseTo(5, 12);
  });

  it('matches the TensorBoard formula', () => {
    const weight = 0.9;
    const values = [1, 0.5, 0.25];
    let last = 0;
    const expected = values.map((value, i) => {
      last = last * weight + (1 - weight) * value;
      return last / (1 - weight ** (i + 1));
    });
    const smoothed = smoothLosses(values, weight);
    expected.forEach((value, i) => expect(smoothed[i]).toBeCloseTo(value, 12));
  });

  it('passes non-finite losses through without using them', () => {
    const smoothed = smoothLosses([1, NaN, 1], 0.5);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBeCloseTo(1, 12);
  });

  it('rejects a weight of 1', () => {
    expect(() => smoothLosses([1], 1)).toThrow(/smoothing 1 is invalid/);
  });
});

describe('buildChartData', () => {
  it('caps 100k points at maxPoints', () => {
    const history = columns(100_000);
    const data = buildChartData(history, smoothLosses(history.losses, 0.6), [], { ...OPTIONS, maxPoints: 2000 });
    expect(data.trainPoints).toBeLessThanOrEqual(2000);
    expect(data.x.length).toBe(data.train.length);
    expect(data.x[0]).toBe(1);
    expect(data.x.at(-1)).toBe(100_000);
  });

  it('keeps a spike when downsampling', () => {
    const history = columns(100_000);
    (history.losses as Float64Array)[54_321] = 50;
    const data = buildChartData(history, smoothLosses(history.losses, 0), [], { ...OPTIONS, maxPoints: 500 });
    expect(Math.max(...data.train.map((value) => value ?? 0))).toBe(50);
  });

  it('merges validation points at their epoch steps', () => {
    const history = columns(10);
    const data = buildChartData(history, smoothLosses(history.losses, 0), [epoch(1, 5, 0.3), epoch(2, 10, 0.2)], OPTIONS);
    expect(data.x).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(data.validation[4]).toBeCloseTo(0.3);
    expect(data.validation[9]).toBeCloseTo(0.2);
    expect(data.validationPoints).toBe(2);
  });

  it('adds a column for an epoch without a training loss', () => {
    const history = columns(4);
    const data = buildChartData(history, smoothLosses(history.losses, 0), [epoch(1, 6, 0.3)], OPTIONS);
    expect(data.x).toEqual([1, 2, 3, 4, 6]);
    expect(data.train.at(-1)).toBeNull();
    expect(data.validation.at(-1)).toBe(0.3);
  });

  it('draws only the zoomed range and one point beyond each end', () => {
    const history = columns(1000);
    const data = buildChartData(history, smoothLosses(history.losses, 0), [epoch(1, 100, 0.3), epoch(2, 500, 0.2)], { ...OPTIONS, range: { min: 400.5, max: 600.5 } });
    expect(data.x[0]).toBe(400);
    expect(data.x.at(-1)).toBe(601);
    expect(data.validationPoints).toBe(1);
  });

  it('puts wall-clock seconds on the time axis', () => {
    const history = columns(3);
    const data = buildChartData(history, smoothLosses(history.losses, 0), [epoch(1, 3, 0.3)], { ...OPTIONS, xAxis: 'time' });
    expect(data.x).toEqual([1, 2, 3].map((step) => (RUN_STARTED_AT + step * 100) / 1000));
    expect(data.steps).toEqual([1, 2, 3]);
    expect(data.validation[2]).toBe(0.3);
  });

  it('leaves out losses at or below 0 on a log scale', () => {
    const history = { steps: [1, 2, 3], losses: [0.5, 0, -1], elapsedMs: [0, 0, 0] };
    const data = buildChartData(history, [0.5, 0, -1], [], { ...OPTIONS, yScale: 'log' });
    expect(data.train).toEqual([0.5, null, null]);
    expect(data.smoothed).toEqual([0.5, null, null]);
  });

  it('returns the smoothed loss at each drawn column', () => {
    const history = columns(5);
    const smoothed = smoothLosses(history.losses, 0.6);
    const data = buildChartData(history, smoothed, [], OPTIONS);
    expect(data.smoothed).toEqual(Array.from(smoothed));
  });
});

describe('lossCsv', () => {
  it('writes one row per loss with the validation loss on its epoch step', () => {
    const history = columns(3);
    const csv = lossCsv(history, smoothLosses(history.losses, 0), [epoch(1, 2, 0.75)], RUN_STARTED_AT);
    expect(csv.split('\n')).toEqual([
      LOSS_CSV_HEADER,
      '1,2025-01-01T12:00:00.100Z,0.100,1,1,',
      '2,2025-01-01T12:00:00.200Z,0.200,0.5,0.5,0.75',
      '3,2025-01-01T12:00:00.300Z,0.300,0.3333333,0.3333333,',
      '',
    ]);
  });

  it('writes an epoch without a training loss as its own row', () => {
    const history = columns(1);
    const csv = lossCsv(history, smoothLosses(history.losses, 0), [epoch(1, 5, 0.5)], RUN_STARTED_AT);
    expect(csv.split('\n')[2]).toBe('5,2025-01-01T12:00:00.100Z,0.100,,,0.5');
  });

  it('leaves the time empty while the run start is unknown', () => {
    const history = columns(1);
    expect(lossCsv(history, [1], [], 0).split('\n')[1]).toBe('1,,0.100,1,1,');
  });
});
