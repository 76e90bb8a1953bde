import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OptionsError, parseHostOptions } from '../../server/cli/options';

const folder = mkdtempSync(join(tmpdir(), 'latentcast-model-options-'));
const modelFile = join(folder, 'model.ts');
writeFileSync(modelFile, 'export default () => null;\n');
mkdirSync(join(folder, 'models.ts'));

function parse(...argv: string[]) {
  const options = parseHostOptions(argv, {});
  if (options === 'help') throw new Error('unexpected --help');
  return options;
}

describe('model file options', () => {
  it('selects the file model with an absolute path', () => {
    const options = parse('--model-file', modelFile);
    expect(options.run.model).toBe('file');
    expect(options.run.modelFile).toBe(modelFile);
    expect(options.showErrorsOnOverlay).toBe(false);
  });

  it('leaves the model file out by default', () => {
    const options = parse();
    expect(options.run.modelFile).toBeNull();
    expect(options.showErrorsOnOverlay).toBe(false);
  });

  it('turns on overlay errors with the flag', () => {
    expect(parse('--model-file', modelFile, '--show-errors-on-overlay').showErrorsOnOverlay).toBe(true);
  });

  it.each([
    { argv: ['--model-file', join(folder, 'absent.ts')], message: /--model-file ".*absent\.ts" does not exist .*copy examples\/model\.ts there/ },
    { argv: ['--model-file', join(folder, 'model.py')], message: /--model-file ".*model\.py" is not a JavaScript or TypeScript file; use a file ending in \.js, \.mjs/ },
    { argv: ['--model-file', join(folder, 'models.ts')], message: /--model-file ".*models\.ts" is not a file/ },
    { argv: ['--model', 'deep', '--model-file', modelFile], message: /--model deep and --model-file both choose the model; pass only one of them/ },
    { argv: ['--show-errors-on-overlay'], message: /--show-errors-on-overlay shows errors of a model file; add --model-file PATH/ },
  ])('rejects $argv', ({ argv, message }) => {
    expect(() => parse(...argv)).toThrow(OptionsError);
    expect(() => parse(...argv)).toThrow(message);
  });
});
