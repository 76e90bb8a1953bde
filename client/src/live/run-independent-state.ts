import type { Frame } from '../../../shared/protocol/frames';
import { EMPTY_POLLS, pollsAfterFrame } from '../polls/poll-state';
import type { PollsView } from '../polls/poll-state';
import { EMPTY_GALLERY, galleryAfterFrame } from './gallery-state';
import type { GalleryState } from './gallery-state';

/** State that outlives runs (the gallery and the polls), which the viewer page and the overlay both keep. */
export interface RunIndependentState {
  gallery: GalleryState;
  polls: PollsView;
}

/** The state before the host's first gallery or polls frame. */
export const EMPTY_RUN_INDEPENDENT_STATE: RunIndependentState = { gallery: EMPTY_GALLERY, polls: EMPTY_POLLS };

/**
 * Returns the state after one gallery or polls frame, or null when the frame
 * belongs to another topic.
 */
export function runIndependentStateAfterFrame(state: RunIndependentState, frame: Frame): RunIndependentState | null {
  const gallery = galleryAfterFrame(state.gallery, frame);
  if (gallery) return { ...state, gallery };

  const polls = pollsAfterFrame(state.polls, frame);
  if (polls) return { ...state, polls };

  return null;
}
