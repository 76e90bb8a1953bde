// Entry point of the viewer page: registers the components used by index.html.

import './lc-viewer-app';
