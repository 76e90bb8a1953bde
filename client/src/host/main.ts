// Entry point of the host's moderation page: registers its component.

import './lc-host-app';
