// Topics a page subscribes to, so that an overlay that shows only the loss
// chart receives only loss frames.

export const TOPICS = ['status', 'loss', 'reconstructions', 'weights', 'latent', 'gallery', 'reconstruction-history', 'weight-histograms', 'polls'] as const;

/**
 * - `status`: state, epoch, step, viewers (Status frames).
 * - `loss`: step losses and epoch summaries (StepLosses, Epochs).
 * - `reconstructions`: probe images and the model's output for them (Probes, Reconstructions).
 * - `weights`: encoder and decoder weight snapshots for encoding and decoding in the browser (EncoderWeights, DecoderWeights).
 * - `latent`: latent codes of validation images, once per epoch (LatentMap).
 * - `gallery`: items viewers submitted, vote tallies and removals (GallerySnapshot, GalleryItems, GalleryVotes, GalleryRemoved).
 * - `reconstruction-history`: the probe images and the reconstructions the host keeps of the run, for scrubbing back
 *   (ReconstructionHistory, ReconstructionAdded). It carries the latest reconstructions too, so a page needs no `reconstructions` with it.
 * - `weight-histograms`: per-tensor histograms of the weight snapshots the host keeps (WeightHistogramHistory, WeightHistogramAdded).
 * - `polls`: the open poll, its vote tallies and the results of closed polls (PollState, PollTallies, PollResult).
 */
export type Topic = (typeof TOPICS)[number];

export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && (TOPICS as readonly string[]).includes(value);
}
