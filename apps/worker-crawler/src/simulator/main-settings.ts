import type { PageStyle } from './pages.ts';

/** The simulated shops' page styles, by port offset from CRAWLER_SIMULATOR_PORT. */
export const simulatorStyles: PageStyle[] = ['json-ld', 'microdata', 'selectors'];
/** How many catalogue products each shop sells (the first ones by id). */
export const SIMULATED_PRODUCTS = 20;
