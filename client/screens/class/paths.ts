/** A class's page addresses (client/lib/router.svelte.ts reads them). */
export const classPath = (code: string, view?: 'host' | 'screen' | 'report'): string =>
  view ? `/c/${code}/${view}` : `/c/${code}`;
