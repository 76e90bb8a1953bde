import { css, html, LitElement, nothing } from 'lit';

import type { ModelKind, RunConfig } from '../../../shared/training';
import { panelStyles, requestFrom } from './panel-styles';

/** Models the panel offers, the same list the host API accepts. */
const MODELS: readonly ModelKind[] = ['dense', 'deep', 'conv', 'vae'];

/** Form fields, in the order they appear. */
type Field = 'dataset' | 'model' | 'latent' | 'learningRate' | 'epochs';

/** Names of the fields in the panel's status line, such as "Apply latent size". */
const FIELD_NAMES: Record<Field, string> = { dataset: 'dataset', model: 'model', latent: 'latent size', learningRate: 'learning rate', epochs: 'epochs' };

/**
 * The run's settings. Apply sends the fields that differ from the current
 * run: a new dataset, model, latent size or epoch count starts a new run
 * (the current one trains until it is ready), and a learning rate alone
 * applies live. Edits stay in the form until the host accepts them.
 */
export class LcRunSettings extends LitElement {
  static override properties = {
    config: { attribute: false },
    draft: { state: true },
  };

  static override styles = [
    panelStyles,
    css`
      /* Two label and field pairs per row keep the form short enough to leave the run list in view. */
      form {
        display: grid;
        grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr);
        gap: 0.45rem 0.75rem;
        align-items: center;
      }

      .wide {
        grid-column: 2 / -1;
      }

      .hint {
        grid-column: 1 / -1;
        margin: 0;
        font-size: 0.8rem;
      }

      .actions {
        grid-column: 1 / -1;
      }

      input,
      select {
        width: 100%;
        box-sizing: border-box;
      }

      /* On a phone one label and field pair per row. */
      @media (max-width: 480px) {
        form {
          grid-template-columns: max-content minmax(0, 1fr);
        }

        .wide {
          grid-column: 2;
        }
      }
    `,
  ];

  /** Configuration of the current run; null until loaded. */
  declare config: RunConfig | null;
  /** Values typed but not yet accepted by the host, by field. */
  declare protected draft: Partial<Record<Field, string>>;

  constructor() {
    super();
    this.config = null;
    this.draft = {};
  }

  protected override render() {
    return html`
      <h2 id="settings-heading">Settings</h2>
      <form aria-labelledby="settings-heading" @submit=${this.apply}>
        <label for="dataset">Dataset</label>
        <input
          id="dataset"
          class="wide"
          name="dataset"
          list="datasets"
          autocomplete="off"
          spellcheck="false"
          aria-describedby="dataset-hint"
          .value=${this.value('dataset')}
          @input=${this.edit}
        />
        <datalist id="datasets"><option value="shapes"></option><option value="mnist"></option></datalist>

        <label for="model">Model</label>
        <select id="model" name="model" data-testid="host-model" @change=${this.edit}>
          ${this.renderModelFileOption()}
          ${MODELS.map((model) => html`<option value=${model} ?selected=${this.value('model') === model}>${model}</option>`)}
        </select>

        <label for="latent">Latent size</label>
        <input id="latent" name="latent" type="number" min="1" max="1024" step="1" required .value=${this.value('latent')} @input=${this.edit} />

        <label for="learningRate">Learning rate</label>
        <input
          id="learningRate"
          name="learningRate"
          type="number"
          min="0"
          max="10"
          step="any"
          required
          aria-describedby="rate-hint"
          .value=${this.value('learningRate')}
          @input=${this.edit}
        />

        <label for="epochs">Epochs</label>
        <input id="epochs" name="epochs" type="number" min="1" max="1000000" step="1" required .value=${this.value('epochs')} @input=${this.edit} />

        <p class="hint muted">
          <span id="dataset-hint">Dataset: shapes, mnist or the path of an image folder on the host.</span>
          <span id="rate-hint">The learning rate applies live; the other fields start a new run.</span>
        </p>
        <div class="actions row">
          <button type="submit" data-testid="host-apply" ?disabled=${this.config === null}>Apply</button>
          <button type="button" @click=${() => (this.draft = {})}>Discard edits</button>
        </div>
      </form>
    `;
  }

  /**
   * Renders the streamer's model file as the selected model while a run of
   * it trains. It cannot be chosen again here, because saving the file is
   * what starts a run of it.
   */
  protected renderModelFileOption() {
    const file = this.config?.model === 'file' ? this.config.modelFile : null;
    if (!file) return nothing;
    // The form column is narrow, so the option reads `file` as in /api/status, and its title names the file.
    const name = file.split(/[\\/]/).pop();
    return html`<option value="file" title="model file ${name}" disabled ?selected=${this.value('model') === 'file'}>file</option>`;
  }

  /** Returns the draft value of `field`, or the current run's. */
  protected value(field: Field): string {
    return this.draft[field] ?? (this.config ? String(this.config[field]) : '');
  }

  private edit(event: Event): void {
    const input = event.target as HTMLInputElement | HTMLSelectElement;
    this.draft = { ...this.draft, [input.name]: input.value };
  }

  private apply(event: Event): void {
    event.preventDefault();
    if (!this.config) return;
    const body = this.changedFields(this.config);
    if (Object.keys(body).length === 0) {
      this.draft = {};
      return;
    }
    requestFrom(this, {
      method: 'PATCH',
      path: '/api/host/run/settings',
      body,
      label: `Apply ${(Object.keys(body) as Field[]).map((field) => FIELD_NAMES[field]).join(', ')}`,
      done: (ok) => {
        if (ok) this.draft = {};
      },
    });
  }

  /** Returns the draft fields whose values differ from `config`, numbers as numbers; the host checks the ranges. */
  private changedFields(config: RunConfig): Record<string, string | number> {
    const body: Record<string, string | number> = {};
    for (const [field, text] of Object.entries(this.draft) as [Field, string][]) {
      const value = field === 'dataset' || field === 'model' ? text.trim() : Number(text);
      if (value !== config[field]) body[field] = value;
    }
    return body;
  }
}

customElements.define('lc-run-settings', LcRunSettings);

declare global {
  interface HTMLElementTagNameMap {
    'lc-run-settings': LcRunSettings;
  }
}
