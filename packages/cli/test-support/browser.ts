import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium (installed by .ci/run with apt-get), driven by playwright-core: no browser
 * is downloaded. CHROMIUM_PATH overrides the path. --no-sandbox because CI runs as root.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
