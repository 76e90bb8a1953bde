// Entry point of the overlay page (/overlay): registers the components used by overlay.html.

import './lc-overlay-app';
