// Entry point of the overlay builder page (/overlay/builder).

import './lc-overlay-builder';
