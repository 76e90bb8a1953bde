// Records where the streamer's model file created each layer and model, so
// that a shape error points at the line that made the layer, not only at the
// file.

import * as tf from '@tensorflow/tfjs';

import type { SourceLocation } from '../../shared/training';
import { stackLocation } from './model-file-errors';

export class CreationSites {
  private readonly sites = new WeakMap<object, SourceLocation>();

  constructor(private readonly file: string) {}

  /**
   * Returns a copy of the tf namespace whose layer factories (`tf.layers.dense`
   * and the rest), `tf.sequential` and `tf.model` record their call site in the
   * model file. Classes such as `tf.layers.Layer` stay untouched, so custom
   * layers can still extend them.
   */
  instrument(namespace: typeof tf): typeof tf {
    const layers = Object.fromEntries(
      Object.entries(namespace.layers).map(([name, value]) => [name, isFactory(name, value) ? this.recording(value) : value]),
    );
    return { ...namespace, layers, sequential: this.recording(namespace.sequential), model: this.recording(namespace.model) } as typeof tf;
  }

  /** Returns where the model file created `object`, when it did. */
  siteOf(object: object | undefined): SourceLocation | undefined {
    return object === undefined ? undefined : this.sites.get(object);
  }

  private recording<F extends (...args: never[]) => unknown>(factory: F): F {
    const sites = this.sites;
    const file = this.file;
    const wrapped = function (this: unknown, ...args: Parameters<F>) {
      const created = factory.apply(this, args);
      const site = stackLocation(new Error(), file);
      if (site && typeof created === 'object' && created !== null) sites.set(created, site);
      return created;
    };
    return wrapped as unknown as F;
  }
}

/** Tells layer factories (`dense`, `conv2d`) from classes (`Layer`, `RNN`) by the case of their first letter. */
function isFactory(name: string, value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function' && /^[a-z]/.test(name);
}
