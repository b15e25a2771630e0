// Any path the UI does not know.

import { h, replace } from '../dom.js';
import { empty } from '../components.js';
import { href } from '../state.js';

export const title = () => 'Not found';
export const usesRange = false;

export function mount(root) {
  replace(root, empty('Page not found', `There is no page at ${window.location.pathname}.`,
    h('p', null, h('a', { href: href('/', {}) }, 'Go to the overview'))));
  return { load: async () => {} };
}
