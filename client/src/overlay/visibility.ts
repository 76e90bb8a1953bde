// Whether the overlay is on screen. In OBS the browser source keeps running
// while its source is hidden, unless "Shutdown source when not visible" is
// on, and obs-browser reports the changes with window events. In any other
// browser the Page Visibility API reports them.

/** Detail of obs-browser's `obsSourceVisibleChanged` event. */
interface ObsVisibleDetail {
  visible: boolean;
}

/** Detail of obs-browser's `obsSourceActiveChanged` event. */
interface ObsActiveDetail {
  active: boolean;
}

/** The part of obs-browser's `window.obsstudio` object used here. */
interface ObsStudio {
  pluginVersion?: string;
  /** Legacy callback that obs-browser versions before the window events call. */
  onVisibilityChange?: (visible: boolean) => void;
}

declare global {
  interface Window {
    /** Present only inside an OBS browser source. */
    obsstudio?: ObsStudio;
  }
}

/**
 * Calls `onChange` with false when OBS hides the source or the document
 * becomes hidden, and with true when both show it again. OBS sends no event
 * when a page loads, so the page starts as visible unless the document is hidden.
 * Returns a function that stops watching.
 *
 * `obsSourceVisibleChanged` covers the source showing anywhere (preview or
 * program). `obsSourceActiveChanged` with `active: true` means the source is
 * on the program output, so it also counts as shown. `active: false` alone
 * does not hide it, because the preview may still show it.
 */
export function watchVisibility(onChange: (visible: boolean) => void, target: Window = window): () => void {
  const document = target.document;
  let obsVisible = true;
  let visible = isShown();

  function isShown(): boolean {
    return obsVisible && document.visibilityState !== 'hidden';
  }

  function update(): void {
    const now = isShown();
    if (now === visible) return;
    visible = now;
    onChange(visible);
  }

  const onObsVisible = (event: Event) => {
    const detail = (event as CustomEvent<ObsVisibleDetail | undefined>).detail;
    if (typeof detail?.visible !== 'boolean') return;
    obsVisible = detail.visible;
    update();
  };
  const onObsActive = (event: Event) => {
    const detail = (event as CustomEvent<ObsActiveDetail | undefined>).detail;
    if (detail?.active !== true) return;
    obsVisible = true;
    update();
  };
  const onLegacyVisibility = (shown: boolean) => {
    obsVisible = shown;
    update();
  };

  target.addEventListener('obsSourceVisibleChanged', onObsVisible);
  target.addEventListener('obsSourceActiveChanged', onObsActive);
  document.addEventListener('visibilitychange', update);
  const obs = target.obsstudio;
  if (obs && obs.onVisibilityChange === undefined) obs.onVisibilityChange = onLegacyVisibility;

  return () => {
    target.removeEventListener('obsSourceVisibleChanged', onObsVisible);
    target.removeEventListener('obsSourceActiveChanged', onObsActive);
    document.removeEventListener('visibilitychange', update);
    if (obs?.onVisibilityChange === onLegacyVisibility) obs.onVisibilityChange = undefined;
  };
}
