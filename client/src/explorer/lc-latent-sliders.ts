import { css, html, LitElement, noChange, nothing } from 'lit';
import { live } from 'lit/directives/live.js';

import type { LatentRange } from '../../../shared/latent/ranges';
import { controlStyles } from './control-styles';

/** Steps per slider, so that a keyboard arrow press moves a value by 1/200 of its range. */
const SLIDER_STEPS = 200;

/** Detail of the `latent-input` event. */
export interface LatentInputDetail {
  /** Index of the dimension that changed, from 0. */
  index: number;
  /** New value of that dimension. */
  value: number;
}

/**
 * One slider per latent dimension, each with a number field beside it for
 * exact values. Both are native inputs, so they work with the keyboard
 * (arrows, Page Up/Down, Home, End) and with screen readers as they are.
 *
 * @fires latent-input - a value changed by the viewer; detail: LatentInputDetail
 */
export class LcLatentSliders extends LitElement {
  static override properties = {
    vector: { attribute: false },
    ranges: { attribute: false },
    dead: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    editing: { state: true },
  };

  static override styles = [
    controlStyles,
    css`
      :host {
        display: block;
      }

      ol {
        display: grid;
        grid-template-columns: auto minmax(6rem, 1fr) auto;
        align-items: center;
        gap: 0.35rem 0.75rem;
        max-height: var(--lc-latent-sliders-max-height, none);
        margin: 0;
        padding: 0 0.25rem 0 0;
        overflow-y: auto;
        list-style: none;
      }

      /* Each item's three cells join the list's grid, so every slider lines up. */
      li {
        display: contents;
      }

      label {
        font-variant-numeric: tabular-nums;
        font-weight: 600;
        white-space: nowrap;
      }

      .dead {
        margin-left: 0.35em;
        color: var(--lc-text-muted, #9aa6b5);
        font-size: 0.75rem;
        font-weight: 500;
        text-transform: uppercase;
        letter-spacing: 0.05em;
      }

      input[type='range'] {
        width: 100%;
        height: 1.75rem;
      }

      input[type='number'] {
        width: 5.75rem;
      }
    `,
  ];

  /** Current latent vector, one value per dimension, in the model's latent units. */
  declare vector: readonly number[];
  /** Slider range of each dimension, as many as `vector` has values. */
  declare ranges: readonly LatentRange[];
  /** True for each dimension whose validation codes are all equal (a dead ReLU unit), marked beside its label. */
  declare dead: readonly boolean[];
  /** Disables every input, for example while there are no decoder weights yet. */
  declare disabled: boolean;
  /** Index of the number field that has the focus; null when none has. */
  declare protected editing: number | null;

  constructor() {
    super();
    this.vector = [];
    this.ranges = [];
    this.dead = [];
    this.disabled = false;
    this.editing = null;
  }

  protected override render() {
    return html`<ol aria-label="Latent dimensions">
      ${this.vector.map((value, index) => this.renderDimension(value, index))}
    </ol>`;
  }

  protected renderDimension(value: number, index: number) {
    const range = this.ranges[index] ?? { min: -1, max: 1 };
    const name = `z${index + 1}`;
    const dead = this.dead[index] === true;
    return html`
      <li>
        <label for="slider-${index}" title=${dead ? 'All validation codes have the same value in this dimension' : nothing}
          >${name}${dead ? html`<span class="dead">dead</span>` : nothing}</label
        >
        <input
          id="slider-${index}"
          type="range"
          min=${range.min}
          max=${range.max}
          step=${(range.max - range.min) / SLIDER_STEPS}
          .value=${live(String(value))}
          aria-valuetext=${formatValue(value)}
          ?disabled=${this.disabled}
          data-testid="latent-slider"
          @input=${(event: Event) => this.emitValue(index, event)}
        />
        <input
          type="number"
          step="any"
          aria-label="${name} exact value"
          .value=${this.editing === index ? noChange : live(formatValue(value))}
          ?disabled=${this.disabled}
          data-testid="latent-value"
          @focus=${() => (this.editing = index)}
          @blur=${() => (this.editing = null)}
          @change=${(event: Event) => this.emitValue(index, event)}
        />
      </li>
    `;
  }

  // The number field commits on change (Enter or leaving the field), not on
  // every keystroke, so a half-typed value such as "-" is never sent. While
  // it has the focus, renders leave its text alone, because the vector can
  // change under it (a walk, new weights) and would overwrite the typing.
  protected emitValue(index: number, event: Event): void {
    const input = event.target as HTMLInputElement;
    const value = input.valueAsNumber;
    if (!Number.isFinite(value)) {
      input.value = formatValue(this.vector[index]);
      return;
    }
    this.dispatchEvent(new CustomEvent<LatentInputDetail>('latent-input', { detail: { index, value }, bubbles: true }));
  }
}

/** Formats a latent value with at most 3 decimals, as the number fields show it. */
export function formatValue(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

customElements.define('lc-latent-sliders', LcLatentSliders);

declare global {
  interface HTMLElementTagNameMap {
    'lc-latent-sliders': LcLatentSliders;
  }
}
