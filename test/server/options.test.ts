import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FLAGS, helpText, OptionsError, parseHostOptions, parseTrainThreads } from '../../server/cli/options';
import { parseTrainOptions } from '../../server/cli/offline-options';

function parse(...argv: string[]) {
  const options = parseHostOptions(argv, {});
  if (options === 'help') throw new Error('unexpected --help');
  return options;
}

describe('host options', () => {
  it('uses stream-ready defaults', () => {
    const options = parse();
    expect(options.run.dataset).toBe('shapes');
    expect(options.run.model).toBe('dense');
    expect(options.run.latent).toBeLessThanOrEqual(8);
    expect(options.host).toBe('127.0.0.1');
    expect(options.port).toBe(3000);
  });

  it('defaults the learning rate by optimizer, with adadelta at 1 as in Keras', () => {
    expect(parse('--optimizer', 'adam').run.learningRate).toBe(0.001);
    expect(parse('--optimizer', 'adadelta').run.learningRate).toBe(1);
    expect(parse('--optimizer', 'sgd', '--lr', '0.5').run.learningRate).toBe(0.5);
  });

  it('defaults --epsilon to 1e-7 and reads a given one', () => {
    expect(parse().run.epsilon).toBe(1e-7);
    expect(parse('--optimizer', 'adadelta', '--epsilon', '1e-6').run.epsilon).toBe(1e-6);
  });

  it('rejects --epsilon with sgd, which has none', () => {
    expect(() => parse('--optimizer', 'sgd', '--epsilon', '1e-6')).toThrow(
      '--epsilon has no effect with --optimizer sgd. Leave it out, or use --optimizer adam or adadelta.',
    );
  });

  it('reads the port from PORT unless --port is given', () => {
    expect((parseHostOptions([], { PORT: '4100' }) as { port: number }).port).toBe(4100);
    expect((parseHostOptions(['--port', '4200'], { PORT: '4100' }) as { port: number }).port).toBe(4200);
  });

  it('parses the deep model hidden sizes', () => {
    expect(parse('--model', 'deep', '--hidden', '128, 64').run.hidden).toEqual([128, 64]);
  });

  it('parses the conv and vae models', () => {
    expect(parse('--model', 'conv').run.model).toBe('conv');
    expect(parse('--model', 'vae', '--latent', '2').run).toMatchObject({ model: 'vae', latent: 2 });
  });

  it('parses --denoise as a standard deviation from 0 to 1, default 0', () => {
    expect(parse().run.denoise).toBe(0);
    expect(parse('--denoise', '0.3').run.denoise).toBe(0.3);
    expect(parse('--denoise', '1').run.denoise).toBe(1);
  });

  it('parses --train-threads from 1 to the CPU count, default 1', () => {
    expect(parse().trainThreads).toBe(1);
    expect(parse('--train-threads', String(availableParallelism())).trainThreads).toBe(availableParallelism());
    expect(parseTrainThreads('2', 2)).toBe(2);
  });

  it.each([['0'], ['3'], ['1.5'], ['two'], ['']])('rejects --train-threads %j on 2 CPUs', (value) => {
    expect(() => parseTrainThreads(value, 2)).toThrow(OptionsError);
    expect(() => parseTrainThreads(value, 2)).toThrow(
      `--train-threads "${value}" is not valid. Use a whole number from 1 to 2, the number of CPUs here, such as --train-threads 2.`,
    );
  });

  it('passes --train-threads to npm run train', () => {
    const options = parseTrainOptions(['--train-threads', '1'], {});
    if (options === 'help') throw new Error('unexpected --help');
    expect(options.host.trainThreads).toBe(1);
    expect(() => parseTrainOptions(['--train-threads', String(availableParallelism() + 1)], {})).toThrow(/--train-threads ".*" is not valid/);
  });

  it.each([
    [['--dataset', 'cats'], /--dataset "cats" is neither `shapes`, `mnist` nor an existing folder/],
    [['--epochs', '-1'], /--epochs "-1" is not valid. Use a whole number from 1/],
    [['--latent', '0'], /--latent "0" is not valid. Use a whole number from 1 to 1024/],
    [['--lr', 'fast'], /--lr "fast" is not valid. Use a number above 0/],
    [['--epsilon', '0'], /--epsilon "0" is not valid. Use a number above 0/],
    [['--epsilon', '2'], /--epsilon "2" is not valid. Use a number above 0 and at most 1, such as 1e-7\./],
    [['--model', 'cnn'], /--model "cnn" is not valid. Use one of: dense, deep, conv, vae\./],
    [['--denoise', '1.5'], /--denoise "1.5" is not valid. Use a number from 0 to 1, such as 0.3\./],
    [['--denoise', '-0.1'], /--denoise "-0.1" is not valid. Use a number from 0 to 1/],
    [['--denoise', 'some'], /--denoise "some" is not valid/],
    [['--hidden', '64,x'], /--hidden "64,x" is not valid/],
    [['--port', '70000'], /--port "70000" is not valid/],
    [['--frobnicate'], /Unknown option '--frobnicate'.*--help/],
  ])('rejects %j with a message naming the value and the fix', (argv, message) => {
    expect(() => parseHostOptions(argv, {})).toThrow(OptionsError);
    expect(() => parseHostOptions(argv, {})).toThrow(message);
  });

  it('rejects a file given as the dataset folder', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'latentcast-options-')), 'image.png');
    writeFileSync(file, '');
    expect(() => parse('--dataset', file)).toThrow(/is a file; pass the folder/);
  });

  it('lists every flag in --help, with its default', () => {
    const help = helpText();
    for (const [name, spec] of Object.entries(FLAGS)) {
      expect(help).toContain(`--${name}`);
      if (spec.default) expect(help).toContain(`(default: ${spec.default})`);
    }
    expect(parseHostOptions(['--help'], {})).toBe('help');
  });
});
