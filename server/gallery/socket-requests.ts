// Gallery submissions over the WebSocket: the same checks as POST /api/gallery,
// with the viewer id from the cookie of the upgrade request. The page gets a
// GallerySubmitted frame with its item, or an Error frame naming the problem.

import { encodeError, encodeGallerySubmitted } from '../../shared/protocol/frames';
import type { ClientRequestHandler } from '../broadcast/hub';
import type { GallerySubmitRequest } from '../../shared/protocol/client-messages';
import type { Logger } from '../log';
import { GalleryError } from './gallery';
import type { Gallery } from './gallery';
import type { ViewerIdentity } from './identity';
import { readCookie, VIEWER_COOKIE } from './identity';

export function gallerySocketHandler(gallery: Gallery, identity: ViewerIdentity, log: Logger): ClientRequestHandler<GallerySubmitRequest> {
  return (request, sender) => {
    const cookieValue = readCookie(sender.cookie, VIEWER_COOKIE);
    const viewerId = cookieValue === null ? null : identity.verify(cookieValue);
    if (viewerId === null) {
      sender.reply((seq) =>
        encodeError(seq, {
          code: 'gallery-no-viewer-id',
          message: 'this connection has no valid viewer cookie; load the page (or any /api/ route) first, then reconnect',
        }),
      );
      return;
    }

    gallery.submit({ z: request.z, title: request.title }, viewerId, sender.ip).then(
      (item) => sender.reply((seq) => encodeGallerySubmitted(seq, item)),
      (error: unknown) => {
        if (!(error instanceof GalleryError)) {
          log.error({ err: error, viewerId }, 'gallery submission over /ws failed');
          return;
        }
        sender.reply((seq) => encodeError(seq, { code: `gallery-${error.code}`, message: error.message }));
      },
    );
  };
}
