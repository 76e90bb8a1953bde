// Keeps a run's history from the training worker's events, as the host's
// TrainingFeed does, for `npm run train`, which has no viewers to send it to.

import type { WorkerEvent } from '../../shared/worker-messages';
import type { RunHistory } from '../broadcast/run-history';

/** Returns a listener that records each worker event into `history`. */
export function historyRecorder(history: RunHistory): (event: WorkerEvent) => void {
  // The worker sends the probe labels just before the run's first reconstructions.
  let probeLabels: Uint8Array | null = null;

  return (event) => {
    switch (event.type) {
      case 'ready':
        history.setReady(event);
        break;
      case 'state':
        history.setState(event.state, event.reason);
        break;
      case 'steps':
        history.addStepLosses(event.points);
        break;
      case 'epoch':
        history.addEpoch(event.summary);
        break;
      case 'weights':
        history.setWeights(event.encoder, event.decoder);
        break;
      case 'probes':
        history.probes = null;
        probeLabels = event.labels;
        break;
      case 'reconstructions': {
        const { set } = event;
        history.probes ??= { count: set.count, images: set.inputs, labels: probeLabels ?? new Uint8Array(set.count) };
        history.reconstructions = { epoch: set.epoch, step: set.step, count: set.count, outputs: set.outputs };
        break;
      }
    }
  };
}
